//! `recover`: reverts what a run's journal shows as still injected, and with
//! `--cluster` deletes expired objects gameday applied.

use std::path::Path;
use std::process::ExitCode;

use super::{env_lookup, runtime};
use crate::exit::ExitStatus;

/// `recover [RUN_DIR] [--cluster]`: the worse of the two outcomes.
pub fn recover(
    run_dir: Option<&Path>,
    scenario: Option<&Path>,
    by_hand: &[String],
    cluster: bool,
    context: Option<&str>,
    operator: &str,
) -> ExitCode {
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let mut status = ExitStatus::Confirmed;
    if let Some(run_dir) = run_dir {
        let mut out = std::io::stdout();
        let opts = crate::recover::Options { scenario, by_hand };
        match rt.block_on(crate::recover::recover(
            run_dir,
            operator,
            opts,
            &env_lookup,
            &mut out,
        )) {
            Ok(outcome) => status = outcome.status(),
            Err(e) => {
                crate::tell!("gameday recover: {e}");
                return e.status().into();
            }
        }
    }
    if cluster {
        status = status.worse(rt.block_on(recover_cluster(context)));
    }
    status.into()
}

/// `recover --cluster`: deletes expired objects that gameday applied. 0 when nothing is
/// left, 5 when some could not be deleted, 64 when the cluster cannot be reached.
pub async fn recover_cluster(context: Option<&str>) -> ExitStatus {
    use crate::cluster::expired;
    let c = match crate::cluster::connect(context, None, std::time::Duration::from_secs(10)).await {
        Ok(c) => c,
        Err(e) => {
            crate::tell!("gameday recover --cluster: {e}");
            return ExitStatus::Usage;
        }
    };
    let search = match expired::find(&c.client, chrono::Utc::now(), &c.namespace).await {
        Ok(f) => f,
        Err(e) => {
            crate::tell!("gameday recover --cluster: {e}");
            return ExitStatus::Usage;
        }
    };
    let mut not_checked = search.not_checked.clone();
    not_checked.sort();
    if !not_checked.is_empty() {
        // a namespaced Role cannot list everything: say what was not looked at, in an
        // order that does not change from one run to the next
        crate::say!(
            "gameday recover --cluster: not checked (no permission to list them across namespaces nor in {}): {} kinds: {}",
            c.namespace,
            not_checked.len(),
            crate::cluster::safety::list_names(&not_checked, 8)
        );
    }
    let found = search.found;
    if found.is_empty() {
        crate::say!("gameday recover --cluster: nothing to do: no expired object managed by gameday in context `{}`", c.context);
        return ExitStatus::Confirmed;
    }
    let mut failed = 0;
    for (e, ar, namespaced) in &found {
        match expired::delete(&c.client, e, ar, *namespaced).await {
            Ok(()) => crate::say!("gameday recover --cluster: deleted {}", e.describe()),
            Err(why) => {
                failed += 1;
                crate::say!("gameday recover --cluster: FAILED to delete {why}");
            }
        }
    }
    if failed > 0 {
        ExitStatus::RevertFailed
    } else {
        ExitStatus::Confirmed
    }
}
