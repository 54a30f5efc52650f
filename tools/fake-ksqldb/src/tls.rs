//! HTTPS with tokio-rustls: ALPN h2 + http/1.1 (http/1.1 only for the Jetty generation),
//! optional client-certificate verification (mTLS).

use std::sync::Arc;

use anyhow::{Context, Result};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

fn certs(path: &str) -> Result<Vec<CertificateDer<'static>>> {
    let v = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("reading {path}"))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing certificates in {path}"))?;
    if v.is_empty() {
        anyhow::bail!("no certificate in {path}");
    }
    Ok(v)
}

pub fn acceptor(cert: &str, key: &str, client_ca: Option<&str>, http1_only: bool) -> Result<TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading key {key}"))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?;
    let mut cfg = match client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca)? {
                roots.add(c).context("client CA")?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("client verifier")?;
            builder.with_client_cert_verifier(verifier).with_single_cert(chain, key)?
        }
        None => builder.with_no_client_auth().with_single_cert(chain, key)?,
    };
    cfg.alpn_protocols =
        if http1_only { vec![b"http/1.1".to_vec()] } else { vec![b"h2".to_vec(), b"http/1.1".to_vec()] };
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}
