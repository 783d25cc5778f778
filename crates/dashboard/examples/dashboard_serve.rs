//! Serves the dashboard alone on 127.0.0.1 for the browser tests (`web/tests/`), which supply
//! the API themselves. Usage: `dashboard_serve [PORT]` (0, the default, picks a free port);
//! prints `listening on http://ADDR` once the socket is bound.

#![allow(
    clippy::print_stdout,
    reason = "the test harness reads the bound address from stdout"
)]

use anyhow::Context as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().context("PORT must be a number")?,
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .context("binding 127.0.0.1")?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, jic_dashboard::router())
        .await
        .context("serving")?;
    Ok(())
}
