//! Any rule parameter of the profile moved for the scenario
//! (`set_parameter`): chosen from the profile's keys grouped as ratios.md
//! groups them, typed in the unit an analyst reads.

use super::lever_rail::History;
use crate::engine::parameters::{SECTIONS, meaning, parse, section, shown, unit};
use crate::engine::profile::Profile;
use leptos::prelude::*;

const FIRST_KEY: &str = "rw.corporate.unrated";

#[component]
pub(super) fn ParameterLever(
    history: History,
    ready: RwSignal<bool>,
    /// The version's own rules, which the scenario moves away from.
    profile: Profile,
) -> impl IntoView {
    let levers = history.levers;
    let key = RwSignal::new(FIRST_KEY.to_owned());
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let base = StoredValue::new(profile.parameters);
    let now = move || {
        let k = key.get();
        base.with_value(|b| b.get(&k).map(|v| format!("{} {}", shown(&k, *v), unit(&k))))
            .unwrap_or_default()
    };
    let apply = move |_| {
        let k = key.get_untracked();
        match parse(&k, &typed.get_untracked()) {
            Ok(value) => {
                levers.update(|l| {
                    l.params.insert(k, value);
                });
                history.commit();
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let groups = SECTIONS
        .iter()
        .map(|(name, _)| {
            let keys: Vec<String> =
                base.with_value(|b| b.keys().filter(|k| section(k) == *name).cloned().collect());
            view! {
                <optgroup label=*name>
                    {keys.into_iter().map(|k| {
                        let selected = k == FIRST_KEY;
                        view! { <option value=k.clone() selected=selected>{meaning(&k)}</option> }
                    }).collect_view()}
                </optgroup>
            }
        })
        .collect_view();
    view! {
        <h3>"Rule parameters"</h3>
        <div class="field">
            <label for="lever-param-key">"Parameter"</label>
            <select id="lever-param-key" prop:disabled=move || !ready.get()
                on:change=move |ev| key.set(event_target_value(&ev))>{groups}</select>
        </div>
        <div class="field">
            <label for="lever-param-value">"Parameter's new value (" {move || unit(&key.get())} "), now " {now}</label>
            <input id="lever-param-value" type="text" inputmode="decimal" prop:disabled=move || !ready.get()
                prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev)) />
        </div>
        <button type="button" class="button" prop:disabled=move || !ready.get() on:click=apply>"Apply the parameter"</button>
        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        <ul class="line-edits" data-testid="param-edits">
            {move || levers.with(|l| l.params.iter().map(|(k, v)| {
                let removed = k.clone();
                let was = base.with_value(|b| b.get(k).map(|v| shown(k, *v))).unwrap_or_default();
                view! {
                    <li>
                        <code>{k.clone()}</code> " = " {shown(k, *v)} " " {unit(k)} " (was " {was} ") "
                        <button type="button" class="button" on:click=move |_| {
                            levers.update(|l| { l.params.remove(&removed); });
                            history.commit();
                        }>"Remove"</button>
                    </li>
                }
            }).collect_view())}
        </ul>
    }
}
