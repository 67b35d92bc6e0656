use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "INT003",
    name: "applescript-automation",
    category: Category::ShellEscape,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "AppleScript or JavaScript for Automation run through `osascript` drives other applications or the user's session: \
              scripting Finder, Terminal or System Events (deleting or copying files, typing keystrokes, adding login items), \
              asking for a password in a dialog, running with administrator privileges; or `osascript` runs a script file whose \
              content the command does not show.",
    why: "GUI automation acts with every right the logged-in user has, outside any shell a guard sees: Finder deletes logs and copies \
          cookie stores, Terminal runs commands, System Events types into other windows and plants login items, and a fake dialog \
          phishes the password.",
    instead: "Do file and shell work with ordinary commands; show an AppleScript to the person before running it.",
    references: &["ATT&CK T1059.002", "ATT&CK T1547.015", "ATT&CK T1056.002", "CWE-78"],
    flags: &[
        "osascript -e 'tell application \"Finder\" to delete POSIX file \"/var/log/system.log\"'",
        "osascript -e 'tell application \"System Events\" to keystroke \"x\"'",
        "osascript -e 'display dialog \"Password:\" default answer \"\" with hidden answer'",
        "osascript ./scripts/setup.scpt",
    ],
    passes: &[
        "osascript -e 'display notification \"Build done\" with title \"make\"'",
        "osascript -e 'set volume output volume 30'",
        "osascript -e 'tell application \"Safari\" to get URL of front document'",
    ],
};

/// Applications whose scripting reaches files, commands, input or login items.
const POWERFUL_APPS: &[&str] = &[
    "\"finder\"",
    "\"terminal\"",
    "\"iterm\"",
    "\"iterm2\"",
    "\"system events\"",
    "\"systemuiserver\"",
    "\"securityagent\"",
    "\"script editor\"",
    "\"keychain access\"",
    "\"system preferences\"",
    "\"system settings\"",
];

/// Actions that change things or capture input, whichever application they are sent to.
const ACTIONS: &[&str] = &[
    "keystroke",
    "key code",
    "login item",
    "hidden answer",
    "administrator privileges",
    "do shell script",
    "do script",
    "doshellscript",
    "delete ",
    "duplicate ",
    "move ",
    "empty trash",
    "the clipboard",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if !cmd.is(&["osascript"]) {
            continue;
        }
        let msg = if let Some((code, _)) = a.code_of(cmd) {
            let lower = code.text.to_ascii_lowercase();
            let app = POWERFUL_APPS.iter().find(|p| lower.contains(*p));
            let action = ACTIONS.iter().find(|p| lower.contains(*p));
            match (app, action) {
                (_, Some(act)) => Some(format!(
                    "AppleScript `{}` acts on the user's session or files",
                    act.trim()
                )),
                (Some(app), None) => Some(format!(
                    "AppleScript drives {app}, which reaches files, commands or input"
                )),
                _ => None,
            }
        } else {
            cmd.arg_texts()
                .find(|t| !t.starts_with('-'))
                .map(|f| format!("runs the AppleScript file `{f}`, whose content is not shown"))
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg));
        }
    }
}
