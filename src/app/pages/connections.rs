//! Connections (admins): every webhook endpoint, scheduled import source
//! and export target with its health — status, last success, failures in
//! a row, next run, average latency, 30 days of runs; a form to add a
//! source or a target; for each, "Test connection", "Run now", turning it
//! off or on, and its run history with the reasons.

use crate::api::connections::{
    DeleteConnection, RunConnection, SaveConnection, TestConnection, connection_runs,
    list_connections, webhooks_health,
};
use crate::api::simulations::list_simulations;
use crate::app::components::form::{field_error, form_error};
use crate::app::components::workspace::Workspace;
use crate::charts;
use crate::model::account::{Me, Permission};
use crate::model::connections::{
    Auth, Connection, Content, Direction, Health, HealthReport, NewConnection, Run, Transport,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    view! {
        <Title text="Connections" />
        <Workspace page=|me| view! { <Connections me /> } />
    }
}

/// The actions of every card: any of them reloads the list.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveConnection>,
    run: ServerAction<RunConnection>,
    delete: ServerAction<DeleteConnection>,
}

impl Actions {
    fn version(&self) -> (usize, usize, usize) {
        (
            self.save.version().get(),
            self.run.version().get(),
            self.delete.version().get(),
        )
    }
}

#[component]
fn Connections(me: Me) -> impl IntoView {
    if !me.can(Permission::ManageTenant) {
        return view! {
            <h1>"Connections"</h1>
            <p class="muted">"Only the organisation's admins manage connections."</p>
        }
        .into_any();
    }
    let actions = Actions {
        save: ServerAction::new(),
        run: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let list = Resource::new(move || actions.version(), |_| list_connections());
    let hooks = Resource::new(move || actions.version(), |_| webhooks_health());
    view! {
        <h1>"Connections"</h1>
        <p class="muted">
            "Files your other systems drop are imported on a schedule as draft versions (never approved by Prudentia), and reports or results are sent where they are wanted, on a schedule or when a version is approved. Passwords, keys and tokens are sealed with the operator's key and never shown again. The same is at /api/v1/connections; webhooks have their own page."
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (list, hooks) = (list.await, hooks.await);
                list.and_then(|list| hooks.map(|hooks| view! { <HealthTable list=list.clone() hooks /> <Cards list actions /> }))
            })}
        </Transition>
        <NewConnectionForm save=actions.save />
    }
    .into_any()
}

fn health_label(status: &HealthReport) -> (&'static str, &'static str) {
    match status.health.unwrap_or(Health::New) {
        Health::New => ("Not run yet", "badge"),
        Health::Healthy => ("Healthy", "badge badge-ok"),
        Health::Failing => ("Failing", "badge badge-danger"),
        Health::Disabled => ("Turned off", "badge"),
    }
}

/// Every connection's health in one table, webhooks first.
#[component]
fn HealthTable(
    list: Vec<Connection>,
    hooks: Vec<crate::model::connections::WebhookHealth>,
) -> impl IntoView {
    let rows = hooks
        .into_iter()
        .map(|h| (h.url, "Webhook".to_owned(), h.status, None))
        .chain(list.into_iter().map(|c| {
            let kind = match c.direction {
                Direction::Import => "Scheduled import",
                Direction::Export => "Scheduled export",
            };
            (c.name, kind.to_owned(), c.status, c.next_run_at)
        }))
        .collect::<Vec<_>>();
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="no-connections">"No connection yet."</p> }
            .into_any();
    }
    view! {
        <table class="data-table" data-testid="connection-health">
            <thead><tr>
                <th>"Connection"</th><th>"Status"</th><th>"Last success"</th><th>"Failures in a row"</th>
                <th>"Next run"</th><th>"Average"</th><th>"Last 30 days"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(name, kind, status, next)| {
                    let (label, class) = health_label(&status);
                    let chart = charts::runs_per_day(&status.days);
                    let (ok, failed) = status.days.iter().fold((0, 0), |(o, f), d| (o + d.succeeded, f + d.failed));
                    let told = format!("{ok} runs succeeded and {failed} failed in 30 days");
                    let shown = name.clone();
                    view! {
                        <tr data-testid="connection-row" data-name=shown>
                            <td>{name}<br /><span class="muted">{kind}</span></td>
                            <td><span class=class data-testid="connection-status">{label}</span>
                                {status.last_error.map(|e| view! { <br /><span class="muted">{e}</span> })}</td>
                            <td>{status.last_success_at.map(|t| t.to_string()).unwrap_or_else(|| "—".into())}</td>
                            <td>{status.consecutive_failures}</td>
                            <td>{next.map(|t| t.to_string()).unwrap_or_else(|| "—".into())}</td>
                            <td>{status.average_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into())}</td>
                            <td><div class="sparkline" inner_html=chart aria-hidden="true"></div><span class="sr-only">{told}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Cards(list: Vec<Connection>, actions: Actions) -> impl IntoView {
    let alert = move || {
        let err = |r: Option<Result<(), crate::model::error::AppError>>| r.and_then(Result::err);
        err(actions.delete.value().get())
            .or_else(|| actions.run.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    view! {
        {move || alert().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
        {list.into_iter().map(|c| view! { <ConnectionCard connection=c actions /> }).collect_view()}
    }
}

#[component]
fn ConnectionCard(connection: Connection, actions: Actions) -> impl IntoView {
    let id = connection.connection_id.to_string();
    let what = match (connection.direction, connection.content) {
        (Direction::Import, _) => format!(
            "Imports the newest {} into “{}” as a draft version.",
            connection.file_pattern, connection.simulation
        ),
        (Direction::Export, Some(content)) => format!(
            "Sends the {} of “{}”.",
            content.label().to_lowercase(),
            connection.simulation
        ),
        (Direction::Export, None) => String::new(),
    };
    let when = match (connection.schedule_text.is_empty(), connection.on_approval) {
        (false, true) => format!("{}, and on each approval.", connection.schedule_text),
        (false, false) => format!("{}.", connection.schedule_text),
        (true, _) => "On each approval.".to_owned(),
    };
    let (test_id, run_id, delete_id) = (id.clone(), id.clone(), id.clone());
    let toggled = toggle_of(&connection);
    let enabled = connection.enabled;
    let test = ServerAction::<TestConnection>::new();
    let probe = move || {
        test.value().get().map(|r| match r {
            Ok(p) => format!(
                "{} ({} ms{})",
                p.message,
                p.latency_ms,
                p.host_key
                    .map(|k| format!("; host key {k}"))
                    .unwrap_or_default()
            ),
            Err(e) => e.to_string(),
        })
    };
    view! {
        <section class="card" data-testid="connection" data-name=connection.name.clone()>
            <h2>{connection.name.clone()}</h2>
            <p><code>{connection.location.clone()}</code></p>
            <p>{what}" "{when}</p>
            {connection.host_key.clone().map(|k| view! { <p class="muted">"Host key " <code>{k}</code></p> })}
            <div class="inline-form">
                <button type="button" class="button" data-testid="test-connection"
                    on:click=move |_| { test.dispatch(TestConnection { id: test_id.clone() }); }>"Test connection"</button>
                <button type="button" class="button" data-testid="run-connection"
                    on:click=move |_| { actions.run.dispatch(RunConnection { id: run_id.clone() }); }>"Run now"</button>
                <button type="button" class="button"
                    on:click=move |_| { actions.save.dispatch(toggled.clone()); }>
                    {if enabled { "Turn off" } else { "Turn on" }}
                </button>
                <button type="button" class="button button-danger"
                    on:click=move |_| { actions.delete.dispatch(DeleteConnection { id: delete_id.clone() }); }>"Delete"</button>
            </div>
            {move || probe().map(|m| view! { <p data-testid="probe" role="status">{m}</p> })}
            <RunLog id actions />
        </section>
    }
}

/// The same connection turned off or on, its secret kept.
fn toggle_of(c: &Connection) -> SaveConnection {
    let same = NewConnection {
        direction: c.direction,
        name: c.name.clone(),
        transport: c.transport,
        location: c.location.clone(),
        auth: c.auth,
        secret: None,
        host_key: c.host_key.clone(),
        file_pattern: c.file_pattern.clone(),
        content: c.content,
        schedule: c.schedule.clone(),
        time_zone: c.time_zone.clone(),
        on_approval: c.on_approval,
        simulation_id: c.simulation_id.clone(),
        enabled: !c.enabled,
    };
    SaveConnection {
        id: c.connection_id.to_string(),
        connection: serde_json::to_string(&same).unwrap_or_default(),
    }
}

/// The run history, read when an admin opens it (in the browser only).
#[component]
fn RunLog(id: String, actions: Actions) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div data-testid="connection-runs">
            <button type="button" class="button" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "Hide the runs" } else { "Show the runs" }}
            </button>
            {move || open.get().then(|| view! { <RunTable id=id.clone() actions /> })}
        </div>
    }
}

#[component]
fn RunTable(id: String, actions: Actions) -> impl IntoView {
    let runs = LocalResource::new(move || {
        actions.version();
        connection_runs(id.clone())
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                runs.await.map(|list| view! {
                    <table class="data-table">
                        <thead><tr><th>"Started"</th><th>"Why"</th><th>"Outcome"</th><th>"File"</th><th>"Took"</th><th>"Reason"</th></tr></thead>
                        <tbody>{list.into_iter().map(|r| view! { <RunRow run=r /> }).collect_view()}</tbody>
                    </table>
                })
            })}
        </Suspense>
    }
}

#[component]
fn RunRow(run: Run) -> impl IntoView {
    view! {
        <tr data-testid="connection-run" data-outcome=run.outcome.as_str()>
            <td>{run.started_at.to_string()}</td>
            <td>{run.trigger.as_str()}</td>
            <td>{run.outcome.as_str()}{run.version.map(|v| format!(" (version {v})"))}</td>
            <td>{run.file_name.unwrap_or_default()}</td>
            <td>{format!("{} ms", run.duration_ms)}</td>
            <td>{run.message}</td>
        </tr>
    }
}

/// The form's fields, as typed.
#[derive(Clone, Copy)]
struct Fields {
    direction: RwSignal<Direction>,
    name: RwSignal<String>,
    transport: RwSignal<Transport>,
    location: RwSignal<String>,
    auth: RwSignal<Auth>,
    secret: RwSignal<String>,
    pattern: RwSignal<String>,
    content: RwSignal<Content>,
    schedule: RwSignal<String>,
    zone: RwSignal<String>,
    on_approval: RwSignal<bool>,
    simulation: RwSignal<String>,
}

impl Fields {
    fn new() -> Fields {
        Fields {
            direction: RwSignal::new(Direction::Import),
            name: RwSignal::new(String::new()),
            transport: RwSignal::new(Transport::Sftp),
            location: RwSignal::new(String::new()),
            auth: RwSignal::new(Auth::Key),
            secret: RwSignal::new(String::new()),
            pattern: RwSignal::new(String::new()),
            content: RwSignal::new(Content::ReportPdf),
            schedule: RwSignal::new("0 2 * * 1-5".to_owned()),
            zone: RwSignal::new("Europe/Paris".to_owned()),
            on_approval: RwSignal::new(false),
            simulation: RwSignal::new(String::new()),
        }
    }

    fn connection(&self) -> NewConnection {
        let export = self.direction.get_untracked() == Direction::Export;
        NewConnection {
            direction: self.direction.get_untracked(),
            name: self.name.get_untracked(),
            transport: self.transport.get_untracked(),
            location: self.location.get_untracked(),
            auth: self.auth.get_untracked(),
            secret: Some(self.secret.get_untracked()),
            host_key: None,
            file_pattern: if export {
                String::new()
            } else {
                self.pattern.get_untracked()
            },
            content: export.then(|| self.content.get_untracked()),
            schedule: self.schedule.get_untracked(),
            time_zone: self.zone.get_untracked(),
            on_approval: export && self.on_approval.get_untracked(),
            simulation_id: self.simulation.get_untracked(),
            enabled: true,
        }
    }
}

/// A text input bound to `value`, with its field's error under it.
#[component]
fn TextField(
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    view! {
        <label>{label}
            <input type="text" placeholder=hint prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
    }
}

/// A select over an enum's values, bound to `value`.
#[component]
fn Choice<T: Copy + PartialEq + Send + Sync + 'static>(
    label: &'static str,
    value: RwSignal<T>,
    options: Vec<(T, &'static str, &'static str)>,
) -> impl IntoView {
    let keys: Vec<(T, &'static str)> = options.iter().map(|(v, k, _)| (*v, *k)).collect();
    view! {
        <label>{label}
            <select on:change=move |ev| {
                let chosen = event_target_value(&ev);
                if let Some((v, _)) = keys.iter().find(|(_, k)| *k == chosen) { value.set(*v) }
            }>
                {options.into_iter().map(|(v, key, text)| view! { <option value=key selected=move || value.get() == v>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn NewConnectionForm(save: ServerAction<SaveConnection>) -> impl IntoView {
    let f = Fields::new();
    let value = save.value();
    let error = move |name: &'static str| Signal::derive(field_error(value, name));
    let other = form_error(value);
    let simulations = Resource::new(|| (), |_| list_simulations(false));
    let send = move |_| {
        let connection = serde_json::to_string(&f.connection()).unwrap_or_default();
        save.dispatch(SaveConnection {
            id: String::new(),
            connection,
        });
    };
    let export = move || f.direction.get() == Direction::Export;
    let where_hint = move || match f.transport.get() {
        Transport::Folder => {
            "A folder in this organisation's connections folder, such as nightly/positions."
        }
        Transport::Sftp => "sftp://user@host:22/outgoing",
        Transport::Https => "https://dwh.example.com/positions.xlsx",
    };
    view! {
        <section class="card form-card" data-testid="new-connection">
            <h2>"Add a connection"</h2>
            <Choice label="Direction" value=f.direction options=vec![
                (Direction::Import, "import", "Import files (a source)"),
                (Direction::Export, "export", "Send results (a target)"),
            ] />
            <TextField label="Name" value=f.name error=error("name") />
            <Choice label="Transport" value=f.transport options=vec![
                (Transport::Sftp, "sftp", "SFTP"),
                (Transport::Https, "https", "HTTPS"),
                (Transport::Folder, "folder", "A folder on the server"),
            ] />
            <TextField label="Location" value=f.location error=error("location") />
            <p class="muted">{where_hint}</p>
            <Choice label="Authentication" value=f.auth options=vec![
                (Auth::Key, "key", "SSH private key"),
                (Auth::Password, "password", "Password"),
                (Auth::Bearer, "bearer", "Bearer token"),
                (Auth::None, "none", "None"),
            ] />
            <label>"Password, private key or token"
                <textarea rows="3" prop:value=move || f.secret.get() on:input=move |ev| f.secret.set(event_target_value(&ev))></textarea>
            </label>
            {move || error("secret").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || (!export()).then(|| view! { <TextField label="Files" value=f.pattern error=error("file_pattern") hint="positions_*.xlsx" /> })}
            {move || export().then(|| view! {
                <Choice label="What to send" value=f.content options=Content::ALL.iter().map(|c| (*c, c.as_str(), c.label())).collect() />
                <label class="check"><input type="checkbox" prop:checked=move || f.on_approval.get()
                    on:change=move |ev| f.on_approval.set(event_target_checked(&ev)) />"Send on each approval"</label>
            })}
            <TextField label="Schedule (cron)" value=f.schedule error=error("schedule") hint="0 2 * * 1-5" />
            <TextField label="Time zone" value=f.zone error=error("time_zone") hint="Europe/Paris" />
            <label>"Simulation"
                <select on:change=move |ev| f.simulation.set(event_target_value(&ev))>
                    <option value="">"Choose…"</option>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            simulations.await.map(|list| list.into_iter().map(|s| view! {
                                <option value=s.simulation_id.to_string()>{s.name}</option>
                            }).collect_view())
                        })}
                    </Transition>
                </select>
            </label>
            {move || error("simulation_id").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || other().map(|e| view! { <p class="form-alert" role="alert">{e}</p> })}
            <button type="button" class="button button-primary" on:click=send prop:disabled=move || save.pending().get()>"Add the connection"</button>
        </section>
    }
}
