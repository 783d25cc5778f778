//! `jic serve` serves the embedded dashboard at `/` beside the API, and an unknown path still
//! gets the API's problem+json 404 (the dashboard claims only `/` and `/assets/`); the API the
//! page asks first (`/api/v1/whoami`) answers beside it.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn jic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jic"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_the_dashboard_at_root_and_problem_json_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let package =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/syria-2016-09/agreement");
    let init = jic()
        .arg("init")
        .arg(&data)
        .arg("--agreement")
        .arg(package)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let mut child = jic()
        .args(["serve", "--data"])
        .arg(&data)
        .args(["--listen", "127.0.0.1:0"])
        .env("JIC_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().strip_prefix("listening on ").map(str::to_owned);

    // Ask everything before asserting, so the server is stopped whatever the answers.
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    if let Some(base) = &base {
        for path in ["/", "/no/such/page", "/api/v1/whoami"] {
            let answer = client.get(format!("{base}{path}")).send().await;
            answers.push(match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let kind = r
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    (status, kind, r.text().await.unwrap_or_default())
                }
                Err(e) => (0, String::new(), e.to_string()),
            });
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(base.is_some(), "no address line: {line:?}");
    let (status, kind, body) = &answers[0];
    assert_eq!(*status, 200, "GET /: {body}");
    assert!(kind.starts_with("text/html"), "GET / content-type {kind}");
    assert!(
        body.contains("<title>jic — Joint Implementation Center</title>"),
        "GET / is not the dashboard page: {body}"
    );
    let (status, kind, body) = &answers[1];
    assert_eq!(*status, 404, "GET /no/such/page: {body}");
    assert_eq!(kind, "application/problem+json");
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["status"], 404);
    // The page asks who it is; without a token the API refuses, as problem+json.
    let (status, kind, body) = &answers[2];
    assert_eq!(*status, 401, "GET /api/v1/whoami without a token: {body}");
    assert_eq!(kind, "application/problem+json");
}
