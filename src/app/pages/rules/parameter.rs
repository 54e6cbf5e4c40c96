//! One parameter as the editor shows it: its meaning, its regulatory
//! value and an input in the unit an analyst reads (rates in per cent).

use crate::engine::parameters::{meaning, parse, shown, unit};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The typed texts of the parameters changed so far, by key.
pub(super) type Edits = RwSignal<BTreeMap<String, String>>;

#[component]
pub(super) fn ParameterRow(
    key: String,
    value: f64,
    regulatory: f64,
    editable: bool,
    edits: Edits,
    /// Whether the search leaves this row out.
    hidden: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let id = format!("param-{}", key.replace('.', "-"));
    let initial = shown(&key, value);
    let typed = {
        let (key, initial) = (key.clone(), initial.clone());
        move || edits.with(|e| e.get(&key).cloned().unwrap_or_else(|| initial.clone()))
    };
    let error = {
        let key = key.clone();
        Memo::new(move |_| edits.with(|e| e.get(&key).and_then(|t| parse(&key, t).err())))
    };
    let differs = {
        let key = key.clone();
        move || edits.with(|e| e.get(&key).map_or(Ok(value), |t| parse(&key, t))) != Ok(regulatory)
    };
    let on_input = {
        let key = key.clone();
        move |ev| {
            let text = event_target_value(&ev);
            edits.update(|e| {
                e.insert(key.clone(), text);
            });
        }
    };
    view! {
        <tr class:param-changed=differs class:hidden=hidden data-key=key.clone()>
            <td><label for=id.clone()>{meaning(&key)}</label><br /><code class="muted">{key.clone()}</code></td>
            <td class="num">{shown(&key, regulatory)} " " {unit(&key)}</td>
            <td>
                <input id=id type="text" inputmode="decimal" size="10" value=initial prop:value=typed
                    disabled=!editable on:input=on_input aria-invalid=move || error.with(Option::is_some).to_string() />
                " " {unit(&key)}
                {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}
