//! `ksqldb-kernel sandbox --listen`: loopback only unless --allow-remote, and the address
//! printed is the one bound.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ksqldb-kernel");

#[test]
fn a_non_loopback_address_needs_allow_remote() {
    let out = Command::new(BIN).args(["sandbox", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-remote") && stderr.contains("no authentication"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// Kills the child when the test ends, even on a failed assertion.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn allow_remote_prints_the_bound_address_and_warns() {
    let mut child = Child(
        Command::new(BIN)
            .args(["sandbox", "--listen", "0.0.0.0:0", "--allow-remote"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("ksqlDB sandbox listening on http://0.0.0.0:"), "{line}");
    assert!(!line.contains("listening on http://127.0.0.1"), "{line}");
    let port: u16 = line["ksqlDB sandbox listening on http://0.0.0.0:".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The server answers on the port it printed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => panic!("{e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    use std::io::Write;
    stream.write_all(b"GET /info HTTP/1.1\r\nHost: sandbox.lan\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "a remote Host name is served with --allow-remote: {response}");
    // The warning is on stderr.
    let _ = child.0.kill();
    let mut stderr = String::new();
    child.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("WARNING") && stderr.contains("no authentication"), "{stderr}");
}

#[test]
fn loopback_needs_no_flag_and_prints_its_address() {
    let mut child = Child(
        Command::new(BIN)
            .args(["sandbox", "--listen", "127.0.0.1:0", "--retention-records", "10"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("ksqlDB sandbox listening on http://127.0.0.1:"), "{line}");
    assert!(!line.contains(":0\n"), "the real port, not 0: {line}");
}
