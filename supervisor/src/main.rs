//! `mldrill-supervisor --processes N --cpu-seconds S [--memory-mib M] -- RUNNER ARGS...`:
//! started by the `mldrill` CLI, never by hand; see the library for what it does.

use std::ffi::OsString;
use std::process::ExitCode;

use mldrill_supervisor::{EXIT_SUPERVISOR, Plan, supervise};

fn main() -> ExitCode {
    let code = match parse(std::env::args_os().skip(1).collect()) {
        Ok(plan) => supervise(&plan),
        Err(why) => {
            eprintln!("mldrill-supervisor: {why}");
            EXIT_SUPERVISOR
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(EXIT_SUPERVISOR as u8))
}

fn parse(args: Vec<OsString>) -> Result<Plan, String> {
    let mut args = args.into_iter();
    let (mut processes, mut cpu_seconds, mut memory_mib) = (None, None, None);
    loop {
        let arg = args.next().ok_or("expected `-- RUNNER ARGS...`")?;
        let number = |value: Option<OsString>| {
            value
                .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
                .ok_or_else(|| format!("{} takes a number", arg.to_string_lossy()))
        };
        match arg.to_str() {
            Some("--processes") => processes = Some(number(args.next())?),
            Some("--cpu-seconds") => cpu_seconds = Some(number(args.next())?),
            Some("--memory-mib") => memory_mib = Some(number(args.next())?),
            Some("--") => break,
            _ => return Err(format!("unexpected argument {}", arg.to_string_lossy())),
        }
    }
    Ok(Plan {
        processes: processes.ok_or("--processes is required")?,
        cpu_seconds: cpu_seconds.ok_or("--cpu-seconds is required")?,
        memory_mib,
        program: args.next().ok_or("expected the runner after `--`")?,
        args: args.collect(),
    })
}
