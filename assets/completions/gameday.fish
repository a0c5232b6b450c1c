# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gameday_global_optspecs
    string join \n h/help V/version
end

function __fish_gameday_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gameday_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gameday_using_subcommand
    set -l cmd (__fish_gameday_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gameday -n "__fish_gameday_needs_command" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_needs_command" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "run" -d 'Run a scenario: baseline, faults, recovery, verdict and report'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "check" -d 'Validate scenarios; prints FILE:LINE:COL: message for each problem'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "plan" -d 'Try every source once (the preflight), resolve targets and check permissions; print what would be injected and reverted, and where `notify:` posts (by variable). Changes nothing. Exit 69 when a source does not answer, 6 when a fault could not be armed'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "report" -d '(Re)write RUN_DIR/report.md, RUN_DIR/actions.json and RUN_DIR/charts/ from RUN_DIR/journal.jsonl, judging the run again. Exit 0, 65 when the journal disagrees with itself, 69 when RUN_DIR does not exist or is not a run directory (no journal.jsonl)'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "recover" -d 'Revert every fault the journal shows as not reverted (after a SIGKILL or a crash); with --cluster, delete every object gameday applied whose expiry has passed. Only a journal of your own (root: root\'s) in a directory no one else can write is used. Exit 0, 5 when a revert failed (faults may still be active; once you have checked by hand, --by-hand records it), 64 when the journal cannot be read, the run is live or --by-hand names a fault not left to revert, 77 when the journal is not one it may trust'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "join" -d 'Second operator: the live view of a run in progress, notes, milestones and the kill switch (only the driver arms and triggers). Leaving changes nothing in the run. Exit: the run\'s exit code when you saw the run end, 0 when you left, 69 when there is no live run or the connection was lost, 75 when the driver asked you to join again later, 77 when you may not join'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "abort" -d 'Pull the kill switch of a live run from any shell of a user who may join it; waits until every revert is confirmed (at most 5 minutes) and prints what was reverted. Exit 0, 5 when a revert failed, 75 when not confirmed in time or when the driver asked to be asked again later, 69 when there is no live run, 77 when you may not'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "status" -d 'List the live runs under RUNS_DIR (or the one run RUN_DIR): scenario, phase, active faults with time left, who is in the room. Changes nothing. Exit 0 when it could look everywhere, 69 when the path does not exist, is not a directory or is a run that is not live, 75 when a driver asked to be asked again later, 77 when you may not read the path or a run in it'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "history" -d 'Game days over time, from the journals under RUNS_DIR: per scenario its last run and verdict, how many runs, days since it was last CONFIRMED (⚠ past 30), and the trend of each signal\'s worst value during the faults and of the time to recover. Exit 0, 69 when RUNS_DIR does not exist, 77 when it may not be read'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "demo" -d 'A complete practice game day against a built-in shop on 127.0.0.1; no infrastructure. Exits as `run` does: the verdict\'s code, 69 when a source does not answer the preflight'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "schema" -d 'Print the JSON Schema of the scenario format, for editors: `gameday schema > scenario.schema.json`, then a first line `# yaml-language-server: $schema=scenario.schema.json` in each scenario'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "completions" -d 'Print a completion script: `gameday completions bash > /etc/bash_completion.d/gameday`'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "man" -d 'Print the man page (roff): `gameday man | man -l -`'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "new" -d 'Write a commented scenario for a common failure, ready for `gameday check`'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "import" -d 'Convert another tool\'s experiment into a gameday scenario'
complete -c gameday -n "__fish_gameday_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gameday -n "__fish_gameday_using_subcommand run" -l out -d 'Where run directories are created' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand run" -l operator -d 'Your name in the journal and report (default: your user name)' -r
complete -c gameday -n "__fish_gameday_using_subcommand run" -l context -d 'Kubernetes context (overrides `kubernetes.context`)' -r
complete -c gameday -n "__fish_gameday_using_subcommand run" -l prometheus-url -d 'Prometheus URL, an absolute http:// or https:// URL (overrides `prometheus.url`)' -r
complete -c gameday -n "__fish_gameday_using_subcommand run" -l junit -d 'Also write the verdict and each criterion as JUnit XML (headless)' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand run" -l headless -d 'No TUI: trigger each fault in order while the steady state holds; print what happens, a line each'
complete -c gameday -n "__fish_gameday_using_subcommand run" -l ascii -d 'Only ASCII characters on screen (no box drawing, marks or sparks)'
complete -c gameday -n "__fish_gameday_using_subcommand run" -l verbose -d 'Headless: also print every sample and every probe (the journal has them all anyway); without it, only what a person reads: phases, faults, notes, each signal\'s changes of state, errors once'
complete -c gameday -n "__fish_gameday_using_subcommand run" -l skip-preflight -d 'Run even when the preflight finds a source that does not answer (otherwise: exit 69 before the baseline); the journal and the report say so'
complete -c gameday -n "__fish_gameday_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gameday -n "__fish_gameday_using_subcommand run" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand check" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand check" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand plan" -l context -d 'Kubernetes context (overrides `kubernetes.context`)' -r
complete -c gameday -n "__fish_gameday_using_subcommand plan" -l prometheus-url -d 'Prometheus URL, an absolute http:// or https:// URL (overrides `prometheus.url`)' -r
complete -c gameday -n "__fish_gameday_using_subcommand plan" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand plan" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand report" -l recheck -d 'Only judge the journal again and say whether it agrees with itself; write nothing'
complete -c gameday -n "__fish_gameday_using_subcommand report" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand report" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand recover" -l scenario -d 'The scenario file as it was when the run started (checked against the sha256 in the journal), for values the journal does not keep (literal secrets)' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand recover" -l by-hand -d 'A fault you reverted by hand, or checked is not active (its revert cannot succeed, say, because its injection was cancelled before it did anything): recorded in the journal under your name, its revert not run. Repeatable' -r
complete -c gameday -n "__fish_gameday_using_subcommand recover" -l context -d 'Kubernetes context for --cluster (default: the current one)' -r
complete -c gameday -n "__fish_gameday_using_subcommand recover" -l operator -d 'Your name in the journal (default: your user name)' -r
complete -c gameday -n "__fish_gameday_using_subcommand recover" -l cluster -d 'Without a journal: find objects labelled app.kubernetes.io/managed-by=gameday whose gameday.dev/expires-at has passed, and delete them'
complete -c gameday -n "__fish_gameday_using_subcommand recover" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand recover" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand join" -l headless -d 'No TUI: what happens, a line each; lines on standard input become notes (`action: …` an action item, `/milestone NAME` marks a milestone, `/abort` or `X` the kill switch)'
complete -c gameday -n "__fish_gameday_using_subcommand join" -l ascii -d 'Only ASCII characters on screen'
complete -c gameday -n "__fish_gameday_using_subcommand join" -l verbose -d 'Headless: also print every sample and every probe'
complete -c gameday -n "__fish_gameday_using_subcommand join" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand join" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand abort" -l reason -d 'Why, for the journal and the report (at most 4000 characters)' -r
complete -c gameday -n "__fish_gameday_using_subcommand abort" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand abort" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand status" -l json -d 'One JSON object for scripts instead of text'
complete -c gameday -n "__fish_gameday_using_subcommand status" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand status" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand history" -l json -d 'One JSON object for dashboards instead of text (fields in README)'
complete -c gameday -n "__fish_gameday_using_subcommand history" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand history" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l out -d 'Where run directories are created' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l operator -d 'Your name in the journal and report (default: your user name)' -r
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l headless -d 'No TUI: trigger each fault in order while the steady state holds; print what happens, a line each'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l ascii -d 'Only ASCII characters on screen (no box drawing, marks or sparks)'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l verbose -d 'Headless: also print every sample and every probe (the journal has them all anyway); without it, only what a person reads: phases, faults, notes, each signal\'s changes of state, errors once'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -l quick -d 'Shorter phases (5 s baseline, 6 s faults and recovery) instead of about two minutes'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand demo" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand schema" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand schema" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand completions" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand completions" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand man" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand man" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand new" -l template -r -f -a "pod-delete\t'Delete pods (`pod_delete`) and watch the other replicas take the traffic'
scale-to-zero\t'Scale a dependency to zero (`scale`) and watch the service degrade gracefully'
latency\t'Add latency to a dependency with a Chaos Mesh NetworkChaos (`manifest`)'
exec\t'Inject and revert with shell commands (`exec`), e.g. Toxiproxy'
slo-burn\t'Judge by the error budget: fast and slow burn rates over two windows each (the SRE workbook\'s multiwindow alerts), the fast burn as the guardrail'"
complete -c gameday -n "__fish_gameday_using_subcommand new" -l out -d 'Where to write it (default: NAME.yaml in the current directory)' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand new" -l force -d 'Replace FILE if it exists'
complete -c gameday -n "__fish_gameday_using_subcommand new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gameday -n "__fish_gameday_using_subcommand new" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand import; and not __fish_seen_subcommand_from litmus help" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand import; and not __fish_seen_subcommand_from litmus help" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand import; and not __fish_seen_subcommand_from litmus help" -f -a "litmus" -d 'A Litmus ChaosEngine (pod-delete, promProbe, httpProbe) to a native scenario; what cannot be mapped is listed at the top of the output and on standard error'
complete -c gameday -n "__fish_gameday_using_subcommand import; and not __fish_seen_subcommand_from litmus help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from litmus" -l out -d 'Where to write the scenario (default: standard output)' -r -F
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from litmus" -l force -d 'Replace FILE if it exists'
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from litmus" -s h -l help -d 'Print help'
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from litmus" -s V -l version -d 'Print version'
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "litmus" -d 'A Litmus ChaosEngine (pod-delete, promProbe, httpProbe) to a native scenario; what cannot be mapped is listed at the top of the output and on standard error'
complete -c gameday -n "__fish_gameday_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "run" -d 'Run a scenario: baseline, faults, recovery, verdict and report'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "check" -d 'Validate scenarios; prints FILE:LINE:COL: message for each problem'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "plan" -d 'Try every source once (the preflight), resolve targets and check permissions; print what would be injected and reverted, and where `notify:` posts (by variable). Changes nothing. Exit 69 when a source does not answer, 6 when a fault could not be armed'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "report" -d '(Re)write RUN_DIR/report.md, RUN_DIR/actions.json and RUN_DIR/charts/ from RUN_DIR/journal.jsonl, judging the run again. Exit 0, 65 when the journal disagrees with itself, 69 when RUN_DIR does not exist or is not a run directory (no journal.jsonl)'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "recover" -d 'Revert every fault the journal shows as not reverted (after a SIGKILL or a crash); with --cluster, delete every object gameday applied whose expiry has passed. Only a journal of your own (root: root\'s) in a directory no one else can write is used. Exit 0, 5 when a revert failed (faults may still be active; once you have checked by hand, --by-hand records it), 64 when the journal cannot be read, the run is live or --by-hand names a fault not left to revert, 77 when the journal is not one it may trust'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "join" -d 'Second operator: the live view of a run in progress, notes, milestones and the kill switch (only the driver arms and triggers). Leaving changes nothing in the run. Exit: the run\'s exit code when you saw the run end, 0 when you left, 69 when there is no live run or the connection was lost, 75 when the driver asked you to join again later, 77 when you may not join'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "abort" -d 'Pull the kill switch of a live run from any shell of a user who may join it; waits until every revert is confirmed (at most 5 minutes) and prints what was reverted. Exit 0, 5 when a revert failed, 75 when not confirmed in time or when the driver asked to be asked again later, 69 when there is no live run, 77 when you may not'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "status" -d 'List the live runs under RUNS_DIR (or the one run RUN_DIR): scenario, phase, active faults with time left, who is in the room. Changes nothing. Exit 0 when it could look everywhere, 69 when the path does not exist, is not a directory or is a run that is not live, 75 when a driver asked to be asked again later, 77 when you may not read the path or a run in it'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "history" -d 'Game days over time, from the journals under RUNS_DIR: per scenario its last run and verdict, how many runs, days since it was last CONFIRMED (⚠ past 30), and the trend of each signal\'s worst value during the faults and of the time to recover. Exit 0, 69 when RUNS_DIR does not exist, 77 when it may not be read'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "demo" -d 'A complete practice game day against a built-in shop on 127.0.0.1; no infrastructure. Exits as `run` does: the verdict\'s code, 69 when a source does not answer the preflight'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "schema" -d 'Print the JSON Schema of the scenario format, for editors: `gameday schema > scenario.schema.json`, then a first line `# yaml-language-server: $schema=scenario.schema.json` in each scenario'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "completions" -d 'Print a completion script: `gameday completions bash > /etc/bash_completion.d/gameday`'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "man" -d 'Print the man page (roff): `gameday man | man -l -`'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "new" -d 'Write a commented scenario for a common failure, ready for `gameday check`'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "import" -d 'Convert another tool\'s experiment into a gameday scenario'
complete -c gameday -n "__fish_gameday_using_subcommand help; and not __fish_seen_subcommand_from run check plan report recover join abort status history demo schema completions man new import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gameday -n "__fish_gameday_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "litmus" -d 'A Litmus ChaosEngine (pod-delete, promProbe, httpProbe) to a native scenario; what cannot be mapped is listed at the top of the output and on standard error'
