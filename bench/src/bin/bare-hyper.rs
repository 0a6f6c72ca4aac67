//! `bare-hyper`: the best a server can do on this machine — hyper 1 answering every POST with a fixed SMEV 1.3
//! `SendRequestResponse` after reading the body. The gateway's numbers are quoted as ratios to this one's,
//! measured in the same run with the same load.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const REPLY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:SendRequestResponse xmlns:ns2="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3"><ns2:MessageMetadata><ns2:MessageId>2e1d9c84-1a2b-11ef-9c3d-0242ac120002</ns2:MessageId><ns2:MessageType>REQUEST</ns2:MessageType><ns2:SendingTimestamp>2026-01-01T00:00:00.000+03:00</ns2:SendingTimestamp><ns2:Status>requestIsQueued</ns2:Status></ns2:MessageMetadata></ns2:SendRequestResponse></soap:Body></soap:Envelope>"#;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        // The harness reads the address from the first line.
        println!("{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            tokio::spawn(async move {
                let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let _ = req.into_body().collect().await;
                    let mut resp =
                        hyper::Response::new(Full::new(Bytes::from_static(REPLY.as_bytes())));
                    resp.headers_mut().insert(
                        "content-type",
                        hyper::header::HeaderValue::from_static("text/xml; charset=utf-8"),
                    );
                    Ok::<_, Infallible>(resp)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
