//! Live updates of the simulation on screen: who has it open, and what
//! they change (a version, a scenario, a comment, a review decision), from
//! the server's event stream. The browser reconnects by itself, sending
//! the last event's id, and the server replays what was missed; while the
//! stream is down a banner says so.

use leptos::prelude::*;

/// What the stream has told so far.
#[derive(Clone, Copy)]
struct Heard {
    present: RwSignal<Vec<String>>,
    news: RwSignal<Vec<String>>,
    newer: RwSignal<Option<i64>>,
    offline: RwSignal<bool>,
}

#[cfg(feature = "hydrate")]
impl Heard {
    /// One event, by its name and JSON data.
    fn take(&self, kind: &str, data: &serde_json::Value) {
        let by = data["by"].as_str().unwrap_or("Someone");
        let version = data["version"].as_i64();
        let line = match kind {
            "presence" => {
                let names = data["present"]
                    .as_array()
                    .map(|people| {
                        people
                            .iter()
                            .filter_map(|p| p["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                self.present.set(names);
                return;
            }
            "version" => {
                self.newer.set(version);
                format!("{by} saved version {}.", version.unwrap_or_default())
            }
            "scenario" => format!(
                "{by} saved the scenario “{}”.",
                data["name"].as_str().unwrap_or_default()
            ),
            "comment" => format!(
                "{by} commented on version {}: {}",
                version.unwrap_or_default(),
                data["excerpt"].as_str().unwrap_or_default()
            ),
            "review" => format!(
                "{by} moved version {} to {}.",
                version.unwrap_or_default(),
                data["status"].as_str().unwrap_or_default()
            ),
            _ => return,
        };
        self.news.update(|n| {
            n.insert(0, line);
            n.truncate(5);
        });
    }
}

#[component]
pub(super) fn LiveUpdates(simulation_id: String) -> impl IntoView {
    let heard = Heard {
        present: RwSignal::new(Vec::new()),
        news: RwSignal::new(Vec::new()),
        newer: RwSignal::new(None),
        offline: RwSignal::new(false),
    };
    #[cfg(feature = "hydrate")]
    {
        let url = format!("/api/live/simulations/{simulation_id}");
        let stream = StoredValue::new_local(None::<client::Stream>);
        Effect::new(move |_| stream.set_value(client::Stream::open(&url, heard)));
        on_cleanup(move || stream.set_value(None));
    }
    let page = format!("/app/simulations/{simulation_id}");
    view! {
        <div class="live-updates" data-testid="live">
            {move || heard.offline.get().then(|| view! {
                <p class="form-alert" role="alert" data-testid="live-offline">"Offline: live updates have stopped; reconnecting…"</p>
            })}
            {move || {
                let here = heard.present.get();
                (!here.is_empty()).then(|| view! { <p class="muted" data-testid="live-present">"Here now: " {here.join(", ")}</p> })
            }}
            <ul class="live-news" data-testid="live-news" aria-live="polite">
                {move || heard.news.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
            {move || heard.newer.get().map(|v| view! {
                <a href=format!("{page}?version={v}") data-testid="live-open-latest">{format!("Open version {v}")}</a>
            })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::Heard;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    /// An open EventSource and its handlers; closed when dropped.
    pub(super) struct Stream {
        source: web_sys::EventSource,
        _handlers: Vec<Closure<dyn Fn(web_sys::Event)>>,
    }

    impl Stream {
        pub(super) fn open(url: &str, heard: Heard) -> Option<Stream> {
            let source = web_sys::EventSource::new(url).ok()?;
            let mut handlers = Vec::new();
            for kind in ["version", "scenario", "comment", "review", "presence"] {
                let handler =
                    Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
                        let data = event
                            .dyn_ref::<web_sys::MessageEvent>()
                            .and_then(|m| m.data().as_string())
                            .and_then(|text| serde_json::from_str(&text).ok());
                        if let Some(data) = data {
                            heard.take(kind, &data);
                        }
                    });
                source
                    .add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref())
                    .ok()?;
                handlers.push(handler);
            }
            let down = Closure::<dyn Fn(web_sys::Event)>::new(move |_| heard.offline.set(true));
            let up = Closure::<dyn Fn(web_sys::Event)>::new(move |_| heard.offline.set(false));
            source.set_onerror(Some(down.as_ref().unchecked_ref()));
            source.set_onopen(Some(up.as_ref().unchecked_ref()));
            handlers.extend([down, up]);
            Some(Stream {
                source,
                _handlers: handlers,
            })
        }
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }
}
