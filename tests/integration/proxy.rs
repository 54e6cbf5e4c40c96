//! The reverse-proxy configuration of docs/deployment.md, tested as
//! written: its nginx block (addresses and certificate paths replaced)
//! runs in Debian's nginx in front of `prudentia serve`, and a browser's
//! requests go through it: pages, HSTS, a log-in whose cookie is `Secure`,
//! the proxy's request id in Prudentia's answer, plain http redirected.

use crate::support::{free_port, fresh_database};
use std::process::{Child, Command, Stdio};

/// A child process ended with the test: asked to stop (SIGTERM), so
/// nginx's master takes its workers with it, then waited for.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        if nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).is_err() {
            self.0.kill().ok();
        }
        self.0.wait().ok();
    }
}

/// The guide's ```nginx block.
fn documented_nginx() -> String {
    let guide = include_str!("../../docs/deployment.md");
    let start = guide.find("```nginx\n").expect("an nginx block") + "```nginx\n".len();
    let end = start + guide[start..].find("```").expect("its end");
    guide[start..end].to_owned()
}

#[tokio::test]
async fn the_documented_nginx_configuration_serves_prudentia() {
    let (_, _, url) = fresh_database().await;
    let dir = tempfile::tempdir().expect("a folder");
    let d = dir.path().display().to_string();
    let made = rcgen::generate_simple_self_signed(vec!["prudentia.bank.eu".to_owned()])
        .expect("a certificate");
    let cert = made.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert).expect("cert");
    std::fs::write(dir.path().join("key.pem"), made.signing_key.serialize_pem()).expect("key");
    let (app, https, http) = (free_port(), free_port(), free_port());
    let origin = format!("https://prudentia.bank.eu:{https}");

    let servers = documented_nginx()
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{https} ssl http2;"),
        )
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace("/etc/ssl/prudentia/fullchain.pem", &format!("{d}/cert.pem"))
        .replace("/etc/ssl/prudentia/privkey.pem", &format!("{d}/key.pem"))
        .replace("http://127.0.0.1:3000", &format!("http://127.0.0.1:{app}"));
    assert!(servers.contains(&format!("127.0.0.1:{app}")), "{servers}");
    let temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map(|t| format!("{t}_temp_path {d}/{t};"))
        .join(" ");
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log; daemon off;\n\
             events {{}}\nhttp {{ access_log off; {temp}\n{servers}\n}}\n"
        ),
    )
    .expect("nginx.conf");
    let _nginx = Running(
        Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (Debian's nginx-light)"),
    );
    let _prudentia = Running(
        Command::new(env!("CARGO_BIN_EXE_prudentia"))
            .args(["serve", "--addr", &format!("127.0.0.1:{app}")])
            .env("DATABASE_URL", &url)
            .env("PRUDENTIA_DATA_DIR", dir.path())
            .env("PRUDENTIA_PUBLIC_URL", &origin)
            .env("PRUDENTIA_TRUST_PROXY", "true")
            .env("PRUDENTIA_SECURE_COOKIES", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prudentia serve"),
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).expect("a root"))
        .resolve("prudentia.bank.eu", ([127, 0, 0, 1], https).into())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let mut health = None;
    for _ in 0..300 {
        if let Ok(answer) = client.get(format!("{origin}/healthz")).send().await
            && answer.status().is_success()
        {
            health = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let health = health.expect("Prudentia answers through nginx");
    assert_eq!(health.version(), reqwest::Version::HTTP_2);
    assert!(health.headers().contains_key("strict-transport-security"));
    // nginx's $request_id (32 hex digits) reached Prudentia and came back.
    let id = health.headers()["x-request-id"].to_str().expect("text");
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );

    let login = client
        .get(format!("{origin}/login"))
        .send()
        .await
        .expect("a page");
    assert!(login.status().is_success());
    assert!(login.text().await.expect("html").contains("Log in"));

    let cookie =
        crate::support::session_over(&client, &origin, "Proxied Bank", "admin@proxied.example")
            .await;
    assert!(cookie.contains("Secure"), "{cookie}");

    // Plain http is sent to https.
    let plain = reqwest::Client::builder()
        .resolve("prudentia.bank.eu", ([127, 0, 0, 1], http).into())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(format!("http://prudentia.bank.eu:{http}/app"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(plain.status(), reqwest::StatusCode::PERMANENT_REDIRECT);
    assert!(
        plain.headers()["location"]
            .to_str()
            .expect("text")
            .starts_with("https://prudentia.bank.eu")
    );
}
