use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use prudentia::server::config::PublicUrl;
use prudentia::server::contact::ContactLimiter;
use prudentia::server::db::embedded::EmbeddedPostgres;
use prudentia::server::db::{MIGRATOR, create_database_if_missing};
use prudentia::server::http::router;
use prudentia::server::state::AppState;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use tower::ServiceExt;

const TEMPLATE: &str = "prudentia_template";

struct TestCluster {
    cluster: EmbeddedPostgres,
    _dir: tempfile::TempDir,
}

static CLUSTER: OnceLock<Mutex<Option<TestCluster>>> = OnceLock::new();

/// Stops the cluster when the test binary exits (libtest ends with `exit`,
/// which runs these handlers); the cluster's own watchdog covers a crash.
extern "C" fn stop_cluster_at_exit() {
    if let Some(lock) = CLUSTER.get()
        && let Ok(mut guard) = lock.lock()
    {
        guard.take();
    }
}

fn cluster() -> &'static Mutex<Option<TestCluster>> {
    CLUSTER.get_or_init(|| {
        // A runtime of its own: tests run on current-thread runtimes that
        // must not block, and this happens once.
        let started = std::thread::spawn(|| {
            let dir = tempfile::Builder::new()
                .prefix("prudentia-it-")
                .tempdir()
                .expect("temporary directory");
            let cluster = EmbeddedPostgres::start(dir.path()).expect("test PostgreSQL starts");
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                create_database_if_missing(&cluster, TEMPLATE)
                    .await
                    .expect("template database");
                let mut conn = PgConnection::connect_with(&cluster.connect_options(TEMPLATE))
                    .await
                    .expect("connect to template");
                MIGRATOR.run(&mut conn).await.expect("migrations apply");
                conn.close().await.expect("close");
            });
            TestCluster { cluster, _dir: dir }
        })
        .join()
        .expect("cluster setup thread");
        // SAFETY: registering a plain `extern "C" fn` with no arguments.
        unsafe { nix::libc::atexit(stop_cluster_at_exit) };
        Mutex::new(Some(started))
    })
}

/// A fresh database for one test, cloned from the migrated template, as
/// the application reaches it (the non-owner role, under RLS).
pub async fn fresh_pool() -> PgPool {
    fresh_pools().await.0
}

/// A fresh database: the application's pool and one as the owner
/// (superuser), for what the application itself must not be able to do.
pub async fn fresh_pools() -> (PgPool, PgPool) {
    let (pool, owner, _) = fresh_database().await;
    (pool, owner)
}

/// [`fresh_pools`] and the database's URL, for the real binary.
pub async fn fresh_database() -> (PgPool, PgPool, String) {
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let (admin_options, options) = {
        let guard = cluster().lock().expect("cluster lock");
        let cluster = &guard.as_ref().expect("cluster running").cluster;
        (
            cluster.connect_options("postgres"),
            cluster.connect_options(&name),
        )
    };
    let mut admin = PgConnection::connect_with(&admin_options)
        .await
        .expect("admin connection");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.expect("close admin");
    let owner = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await
        .expect("owner pool");
    let url = format!(
        "postgres://{}@localhost/{name}?host={}&port={}",
        options.get_username(),
        options
            .get_socket()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        options.get_port()
    );
    let app = options.username(prudentia::server::db::LOGIN_ROLE);
    (prudentia::server::db::app_pool(app), owner, url)
}

/// The bearer token the tests' `/metrics` answers to.
pub const METRICS_TOKEN: &str = "metrics-test-token";

/// Where the tests' folder connections live: each organisation's folder
/// is named by its id.
pub fn connections_root() -> std::path::PathBuf {
    std::env::temp_dir().join("prudentia-test-connections")
}

/// Connections as the tests run them: a fixed secrets key, loopback
/// allowed.
pub fn connection_settings() -> prudentia::server::connections::Settings {
    prudentia::server::connections::Settings {
        sealer: Some(prudentia::server::secrets::Sealer::new(&[42; 32])),
        root: Some(connections_root()),
        allow_private: true,
        public_url: "http://127.0.0.1:3000".to_owned(),
    }
}

pub struct TestApp {
    pub pool: PgPool,
    pub router: Router,
}

pub const CLIENT_ADDR: ([u8; 4], u16) = ([203, 0, 113, 7], 40_000);
/// Tests make calls in bursts no integration would: the rate limit is
/// tested on its own.
const API_RATE: u32 = 10_000;

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with_contact_limit(100).await
    }

    /// The real application router on a fresh database; requests come from
    /// `CLIENT_ADDR` as if over TCP.
    pub async fn with_contact_limit(per_hour: u32) -> Self {
        Self::build(fresh_pool().await, per_hour, API_RATE).await
    }

    /// A second application server on `pool`, with its own contact limit.
    pub async fn with_pool_and_contact_limit(pool: PgPool, per_hour: u32) -> Self {
        Self::build(pool, per_hour, API_RATE).await
    }

    /// The application on a database the test prepared (see `fresh_pools`).
    pub async fn with_pool(pool: PgPool) -> Self {
        Self::build(pool, 100, API_RATE).await
    }

    /// The application with `per_second` API calls a second per token (and
    /// as many at once).
    pub async fn with_api_rate(pool: PgPool, per_second: u32) -> Self {
        Self::build(pool, 100, per_second).await
    }

    /// The application as served on `listening` too (a real socket):
    /// Host headers naming it are accepted besides the usual one.
    pub async fn with_pool_listening(pool: PgPool, listening: SocketAddr) -> Self {
        let public = PublicUrl::new(Some("http://127.0.0.1:3000"), listening).expect("public URL");
        Self::build_at(pool, 100, API_RATE, public).await
    }

    async fn build(pool: PgPool, per_hour: u32, api_rate: u32) -> Self {
        let public =
            PublicUrl::new(None, SocketAddr::from(([127, 0, 0, 1], 3000))).expect("public URL");
        Self::build_at(pool, per_hour, api_rate, public).await
    }

    async fn build_at(pool: PgPool, per_hour: u32, api_rate: u32, public: PublicUrl) -> Self {
        let state = AppState {
            leptos_options: LeptosOptions::builder()
                .output_name("prudentia")
                .site_root("target/site")
                .build(),
            pool: pool.clone(),
            api: Arc::new(prudentia::server::rest::ApiState::new(
                prudentia::server::auth::tokens::KeyRing::load(&pool)
                    .await
                    .expect("API keys"),
                prudentia::server::rest::limits::ApiLimits::new(
                    NonZeroU32::new(api_rate).expect("non-zero rate"),
                    NonZeroU32::new(api_rate).expect("non-zero burst"),
                ),
            )),
            contact_limiter: Arc::new(ContactLimiter::per_hour(
                NonZeroU32::new(per_hour).expect("non-zero limit"),
            )),
            trust_proxy: false,
            secure_cookies: false,
            public_url: Arc::new(public),
            allow_private_webhooks: true,
            live: {
                let live = prudentia::server::live::LiveHub::default();
                live.spawn_listener(pool.clone());
                live
            },
            connections: Arc::new(connection_settings()),
            metrics_token: Some(Arc::from(METRICS_TOKEN)),
        };
        let router = router(state).layer(MockConnectInfo(SocketAddr::from(CLIENT_ADDR)));
        Self { pool, router }
    }

    pub async fn send(&self, request: Request<Body>) -> (Response<Body>, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (Response::from_parts(parts, Body::empty()), text)
    }

    pub async fn get(&self, path: &str) -> (Response<Body>, String) {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }
}

/// Percent-encodes a form value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A browser's view of one server-function call.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    /// The session cookie the server set, if any.
    pub cookie: Option<String>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.is_success() || self.status.is_redirection()
    }
}

impl TestApp {
    /// POSTs a server function (`/api/{endpoint}`) as the same-origin page
    /// would, with the session cookie if given.
    pub async fn call(
        &self,
        cookie: Option<&str>,
        endpoint: &str,
        pairs: &[(&str, &str)],
    ) -> Reply {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.reply(request.body(Body::from(body)).expect("request"))
            .await
    }

    /// GETs a page with the session cookie.
    pub async fn page(&self, cookie: &str, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request");
        self.reply(request).await
    }

    /// GETs `path` with the session cookie; the body as bytes.
    pub async fn bytes(&self, cookie: &str, path: &str) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.get_encoded(cookie, path, None).await;
        (status, body)
    }

    /// The exposure lines a simulation's version holds (`?version=N` in
    /// `query`), as the browser downloads them.
    pub async fn lines(
        &self,
        cookie: &str,
        simulation: &str,
        query: &str,
    ) -> Vec<prudentia::engine::dataset::Exposure> {
        let path = format!("/api/simulations/{simulation}/lines{query}");
        let (status, bytes) = self.bytes(cookie, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        prudentia::model::simulation::decode_lines(&bytes).expect("lines")
    }

    /// A GET with the response's headers, announcing `accept_encoding`.
    pub async fn get_encoded(
        &self,
        cookie: &str,
        path: &str,
        accept_encoding: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path).header(header::COOKIE, cookie);
        if let Some(encoding) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, headers, bytes.to_vec())
    }

    async fn reply(&self, request: Request<Body>) -> Reply {
        let (response, body) = self.send(request).await;
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("prudentia_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        Reply {
            status: response.status(),
            body,
            cookie,
        }
    }
}

/// Invites `email` as `role` into the admin's organisation and accepts the
/// invitation as a new account named `name`; returns its session cookie.
pub async fn join(app: &TestApp, admin: &str, email: &str, name: &str, role: &str) -> String {
    let sent = app
        .call(Some(admin), "invite", &[("email", email), ("role", role)])
        .await;
    let link: prudentia::model::account::InvitationSent =
        serde_json::from_str(&sent.body).expect("invitation sent");
    let token = link.link.rsplit('/').next().expect("token");
    app.call(
        None,
        "accept-invitation",
        &[
            ("token", token),
            ("name", name),
            ("password", JOIN_PASSWORD),
        ],
    )
    .await
    .cookie
    .expect("cookie")
}

/// The password of accounts made by [`join`].
pub const JOIN_PASSWORD: &str = "tide pools at dawn";

/// Signs up a new organisation and logs its admin in (sign-up itself logs
/// nobody in: the address is confirmed by a mailed link, and an account
/// may log in before that); returns the session cookie.
pub async fn sign_up_and_log_in(
    app: &TestApp,
    organisation: &str,
    name: &str,
    email: &str,
    password: &str,
) -> String {
    let reply = app
        .call(
            None,
            "signup",
            &[
                ("organisation", organisation),
                ("name", name),
                ("email", email),
                ("password", password),
            ],
        )
        .await;
    assert!(reply.ok(), "sign-up: {} {}", reply.status, reply.body);
    let login = app
        .call(None, "login", &[("email", email), ("password", password)])
        .await;
    assert!(
        login.ok(),
        "log-in after sign-up: {} {}",
        login.status,
        login.body
    );
    login.cookie.expect("a session cookie after log-in")
}

/// Signs up an organisation with the password of [`join`]; the admin's
/// session cookie.
pub async fn sign_up(app: &TestApp, organisation: &str, email: &str) -> String {
    sign_up_and_log_in(app, organisation, "Someone", email, JOIN_PASSWORD).await
}

/// A simulation of the demo bank named "Q4 plan"; its id.
pub async fn create_demo(app: &TestApp, cookie: &str) -> String {
    let reply = app
        .call(
            Some(cookie),
            "create-simulation",
            &[("name", "Q4 plan"), ("source", "sample"), ("data", "")],
        )
        .await;
    assert!(reply.ok(), "{} {}", reply.status, reply.body);
    serde_json::from_str(&reply.body).expect("id")
}

/// Signs up and logs in over a real connection, as a browser at `origin`
/// would; returns the session cookie as the server set it.
pub async fn session_over(
    client: &reqwest::Client,
    origin: &str,
    organisation: &str,
    email: &str,
) -> String {
    let post = |endpoint: &str, form: &[(&str, &str)]| {
        client
            .post(format!("{origin}/api/{endpoint}"))
            .header("origin", origin)
            .header("accept", "application/json")
            .form(form)
            .send()
    };
    let password = "correct horse battery staple 42";
    let signed = post(
        "signup",
        &[
            ("organisation", organisation),
            ("name", "Admin"),
            ("email", email),
            ("password", password),
        ],
    )
    .await
    .expect("a sign-up");
    assert!(signed.status().is_success(), "{}", signed.status());
    let logged = post("login", &[("email", email), ("password", password)])
        .await
        .expect("a log-in");
    assert!(logged.status().is_success(), "{}", logged.status());
    logged
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("prudentia_session="))
        .expect("a session cookie")
        .to_owned()
}

/// A real SMTP server on loopback (aiosmtpd from the test venv).
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// aiosmtpd, writing what it receives into a maildir.
    pub fn start(port: u16) -> SmtpServer {
        let python = std::env::var("PRUDENTIA_TEST_PYTHON").unwrap_or_else(|_| {
            format!(
                "{}/.cache/prudentia-tools/venv/bin/python",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let maildir = tempfile::tempdir().expect("maildir");
        let mut child = std::process::Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .spawn()
            .expect("aiosmtpd starts (make test installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpServer {
                    child,
                    port,
                    maildir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // Not left running behind a failed test.
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn received(&self) -> Vec<String> {
        let dir = self.maildir.path().join("box/new");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
