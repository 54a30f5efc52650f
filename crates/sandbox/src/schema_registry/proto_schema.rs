//! A registered PROTOBUF schema compiled for records, and the message indexes Confluent's
//! Protobuf serializer writes after the schema id: which message of the file a record is,
//! as the path of indexes from the file's top-level messages down through nested ones; a
//! zig-zag varint count then the indexes, or the single byte 0 for the first message.

use prost_reflect::{FileDescriptor, MessageDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

/// The name the schema's own text is compiled under.
const ROOT: &str = "schema.proto";
/// Records name at most this many levels of nested messages.
const MAX_INDEXES: usize = 64;

/// The files ksqlDB's schemas import besides Google's well-known types, as Confluent and
/// Google publish them (only their messages' fields: what records are encoded with).
const IMPORTS: [(&str, &str); 4] = [
    (
        "confluent/type/decimal.proto",
        "syntax = \"proto3\"; package confluent.type; import public \"confluent/meta.proto\";\n\
         message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }",
    ),
    (
        "confluent/meta.proto",
        "syntax = \"proto3\"; package confluent; import \"google/protobuf/descriptor.proto\";\n\
         message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }\n\
         extend google.protobuf.FileOptions { Meta file_meta = 1088; }\n\
         extend google.protobuf.MessageOptions { Meta message_meta = 1088; }\n\
         extend google.protobuf.FieldOptions { Meta field_meta = 1088; }\n\
         extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }\n\
         extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }",
    ),
    (
        "google/type/date.proto",
        "syntax = \"proto3\"; package google.type;\nmessage Date { int32 year = 1; int32 month = 2; int32 day = 3; }",
    ),
    (
        "google/type/timeofday.proto",
        "syntax = \"proto3\"; package google.type;\n\
         message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }",
    ),
];

/// The schema's text, the schemas it references (by import name) and the imports above.
struct Sources {
    root: String,
    references: Vec<(String, String)>,
}

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let referenced = || self.references.iter().find(|(n, _)| n == name).map(|x| x.1.as_str());
        let text = if name == ROOT {
            Some(self.root.as_str())
        } else {
            referenced().or_else(|| IMPORTS.iter().find(|(n, _)| *n == name).map(|x| x.1))
        };
        File::from_source(name, text.ok_or_else(|| protox::Error::file_not_found(name))?)
    }
}

/// A compiled .proto file.
#[derive(Debug)]
pub struct ProtoSchema(FileDescriptor);

impl ProtoSchema {
    /// Compiles `text`; `references` are the (import name, text) of the schemas it imports.
    pub fn compile(text: &str, references: &[(String, String)]) -> Result<ProtoSchema, String> {
        let mut resolver = ChainFileResolver::new();
        resolver.add(Sources { root: text.to_string(), references: references.to_vec() });
        resolver.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.open_file(ROOT).map_err(|e| e.to_string())?;
        let file = compiler.descriptor_pool().get_file_by_name(ROOT).ok_or("schema file missing")?;
        if file.messages().len() == 0 {
            return Err("the schema defines no message".into());
        }
        Ok(ProtoSchema(file))
    }

    /// The message records are written with: the file's first, as Confluent's serializer picks.
    pub fn first_message(&self) -> Option<MessageDescriptor> {
        self.0.messages().next()
    }

    /// The message of this name: fully qualified, else a top-level one by its simple name.
    pub fn find_message(&self, name: &str) -> Option<MessageDescriptor> {
        let pool = self.0.parent_pool();
        pool.get_message_by_name(name.trim_start_matches('.'))
            .or_else(|| self.0.messages().find(|m| m.name() == name.rsplit('.').next().unwrap_or(name)))
    }

    /// The path of message indexes that names `message` in this file.
    pub fn indexes_of(&self, message: &MessageDescriptor) -> Option<Vec<usize>> {
        let mut path = Vec::new();
        let mut current = message.clone();
        while let Some(parent) = current.parent_message() {
            path.push(parent.child_messages().position(|m| m == current)?);
            current = parent;
        }
        path.push(self.0.messages().position(|m| m == current)?);
        path.reverse();
        Some(path)
    }

    /// The message at a path of message indexes.
    pub fn message_at(&self, indexes: &[usize]) -> Option<MessageDescriptor> {
        let (first, rest) = indexes.split_first()?;
        let mut message = self.0.messages().nth(*first)?;
        for i in rest {
            let child = message.child_messages().nth(*i)?;
            message = child;
        }
        Some(message)
    }
}

/// The message indexes at the start of `body`, and the rest of it.
pub fn read_indexes(body: &[u8]) -> Result<(Vec<usize>, &[u8]), String> {
    let mut rest = body;
    let count = read_zigzag(&mut rest)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    if count < 0 || count as usize > MAX_INDEXES {
        return Err(format!("invalid message index count {count}"));
    }
    let mut indexes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let i = read_zigzag(&mut rest)?;
        indexes.push(usize::try_from(i).map_err(|_| format!("invalid message index {i}"))?);
    }
    Ok((indexes, rest))
}

/// The message indexes of `indexes` as the serializer writes them.
pub fn write_indexes(indexes: &[usize], out: &mut Vec<u8>) {
    if indexes == [0] {
        out.push(0);
        return;
    }
    write_zigzag(indexes.len() as i64, out);
    for i in indexes {
        write_zigzag(*i as i64, out);
    }
}

fn read_zigzag(bytes: &mut &[u8]) -> Result<i64, String> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first().ok_or("message indexes cut short")?;
        *bytes = rest;
        n |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok((n >> 1) as i64 ^ -((n & 1) as i64));
        }
    }
    Err("message index varint longer than 10 bytes".into())
}

fn write_zigzag(n: i64, out: &mut Vec<u8>) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_indexes_round_trip_with_the_first_message_as_one_zero_byte() {
        for indexes in [vec![0], vec![1], vec![0, 2], vec![3, 70, 1]] {
            let mut out = Vec::new();
            write_indexes(&indexes, &mut out);
            out.push(0xAB);
            let (read, rest) = read_indexes(&out).unwrap();
            assert_eq!((read, rest), (indexes.clone(), &[0xAB][..]));
        }
        let mut out = Vec::new();
        write_indexes(&[0], &mut out);
        assert_eq!(out, [0]);
        // Count 2 (zig-zag 4), indexes 1 and 0 (zig-zag 2 and 0).
        assert_eq!(read_indexes(&[4, 2, 0]).unwrap().0, [1, 0]);
    }

    #[test]
    fn bad_message_indexes_are_refused() {
        assert!(read_indexes(&[]).is_err());
        assert!(read_indexes(&[1]).is_err(), "a negative count");
        assert!(read_indexes(&[4, 2]).is_err(), "cut short");
        assert!(read_indexes(&[0xFF; 11]).is_err(), "overlong varint");
        assert!(read_indexes(&[2, 1]).is_err(), "a negative index");
    }

    #[test]
    fn schemas_import_confluents_and_googles_types() {
        let text = "syntax = \"proto3\";\nimport \"confluent/type/decimal.proto\";\n\
                    import \"google/protobuf/timestamp.proto\";\nimport \"google/type/date.proto\";\n\
                    message A { message B { int32 x = 1; } confluent.type.Decimal d = 1; \
                    google.protobuf.Timestamp t = 2; google.type.Date day = 3; B b = 4; }\nmessage C { }";
        let s = ProtoSchema::compile(text, &[]).unwrap();
        assert_eq!(s.first_message().unwrap().name(), "A");
        assert_eq!(s.message_at(&[0, 0]).unwrap().full_name(), "A.B");
        assert_eq!(s.message_at(&[1]).unwrap().name(), "C");
        assert_eq!(s.indexes_of(&s.find_message("A.B").unwrap()), Some(vec![0, 0]));
        assert_eq!(s.indexes_of(&s.find_message("C").unwrap()), Some(vec![1]));
        assert!(s.message_at(&[2]).is_none());
        assert!(ProtoSchema::compile("syntax = \"proto3\"; message A { int32 x = 1 }", &[]).is_err());
        assert!(ProtoSchema::compile("syntax = \"proto3\";", &[]).is_err());
    }
}
