//! Planning: which incidents happen, when, to which server, and which
//! messages each produces (a delay warning and, days later, the final failure;
//! a bounce delivered twice), before anything is rendered — arrival order must
//! be known first, since a warning arrives days before the failure that holds
//! its report.

use crate::bounces::{Mode, Mta};
use crate::rng::{Rng, Weighted};
use crate::templates::Action;
use crate::time::Ts;
use crate::world::{Reporter, World};

/// What a planned message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A bounce with a full copy of one ban report.
    Ban,
    /// A bounce of a buffered summary.
    Summary,
    /// A bounce of a jail-started notice.
    Start,
    /// A bounce of a jail-stopped notice.
    Stop,
    /// A bounce returning only the report's headers.
    HeadersOnly,
    /// A bounce with a truncated copy.
    Truncated,
    /// A delay warning, usually followed by the final failure.
    Warning,
    /// A ban bounce that arrives twice, byte for byte.
    Duplicate,
    /// A bounce of mail that is not a Fail2Ban report.
    NotF2b,
    /// Mail that is not a bounce.
    NotBounce,
}

/// Default message kind weights.
pub const KIND_WEIGHTS: &[(&str, Kind, f64)] = &[
    ("ban", Kind::Ban, 74.0),
    ("summary", Kind::Summary, 4.0),
    ("start", Kind::Start, 3.0),
    ("stop", Kind::Stop, 3.0),
    ("headers-only", Kind::HeadersOnly, 4.0),
    ("truncated", Kind::Truncated, 3.0),
    ("warning", Kind::Warning, 3.5),
    ("duplicate", Kind::Duplicate, 1.5),
    ("not-f2b", Kind::NotF2b, 2.5),
    ("not-bounce", Kind::NotBounce, 2.0),
];

/// One incident: something that happened once and produced one or more messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Incident {
    pub(crate) ts: Ts,
    pub(crate) reporter: u32,
    pub(crate) kind: Kind,
    /// For warnings: the final failure arrived too.
    pub(crate) has_final: bool,
}

/// The part a message plays in its incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// The only message.
    Only,
    /// The first of two identical messages.
    Original,
    /// The second of two identical messages.
    Repeat,
    /// A delay warning.
    Warning,
    /// The failure after a delay warning.
    Final,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Planned {
    /// When it was stored (the mbox `From ` line, the Maildir file name).
    pub(crate) arrival: Ts,
    /// When the collecting provider received it.
    pub(crate) received: Ts,
    /// When the bounce was written.
    pub(crate) created: Ts,
    pub(crate) incident: u32,
    pub(crate) role: Role,
}

/// Does this server fit this kind of incident?
fn fits(world: &World, r: &Reporter, kind: Kind) -> bool {
    let buffered = r.template.action == Action::SendmailBuffered;
    let bouncer = world.bouncer(r);
    match kind {
        Kind::Ban | Kind::Duplicate => !buffered,
        Kind::Summary => buffered,
        Kind::Start | Kind::Stop | Kind::NotF2b | Kind::NotBounce => true,
        Kind::HeadersOnly => bouncer.supports(Mode::Headers),
        Kind::Truncated => {
            bouncer.supports(Mode::Truncated { keep: 0, limit: 0 })
                && (buffered || r.template.action.has_whois() || r.template.action.has_lines())
        }
        // Exim warnings quote the subject only; through a relay nothing in
        // them would name the server.
        Kind::Warning => bouncer.warns() && !(bouncer == Mta::Exim && r.relay.is_some()),
    }
}

/// Plans incidents and their messages, sorted by arrival.
pub(crate) fn plan(
    world: &World,
    kinds: &Weighted<Kind>,
    n: u64,
    seed: u64,
) -> (Vec<Incident>, Vec<Planned>) {
    let mut rng = Rng::derive(seed, "plan", 0);
    let mut incidents = Vec::new();
    let mut plan: Vec<Planned> = Vec::with_capacity(n as usize + 1);
    let timeline = &world.timeline;
    while (plan.len() as u64) < n {
        let remaining = n - plan.len() as u64;
        let mut kind = *kinds.pick(&mut rng);
        if kind == Kind::Duplicate && remaining < 2 {
            kind = Kind::Ban;
        }
        let reporter = world
            .pick_reporter(&mut rng, |r| fits(world, r, kind))
            .or_else(|| {
                kind = Kind::Start;
                world.pick_reporter(&mut rng, |_| true)
            })
            .unwrap_or(0);
        let r = &world.reporters[reporter];
        let bouncer = world.bouncer(r);
        let ts = timeline.sample(&mut rng);
        let id = incidents.len() as u32;
        let relay_delay = if r.relay.is_some() {
            rng.range(1, 5)
        } else {
            0
        };
        let mut push = |created: Ts, role: Role, rng: &mut Rng| {
            let arrival = created + rng.range(1, 40);
            if timeline.accepts(arrival) {
                plan.push(Planned {
                    arrival,
                    received: arrival,
                    created,
                    incident: id,
                    role,
                });
                true
            } else {
                false
            }
        };
        let mut has_final = false;
        match kind {
            Kind::Warning => {
                let warned = ts + bouncer.warning_after() + rng.range(0, 900);
                let given_up = ts + bouncer.gives_up_after() + rng.range(0, 3600);
                let warning = push(warned, Role::Warning, &mut rng);
                // Without its final failure, the warning alone holds the report.
                if remaining >= 2 || !warning {
                    has_final = push(given_up, Role::Final, &mut rng);
                }
            }
            Kind::Duplicate => {
                let created = ts + relay_delay + rng.range(2, 90);
                if push(created, Role::Original, &mut rng) {
                    let received = plan.last().map_or(created, |p| p.received);
                    plan.push(Planned {
                        arrival: received + rng.range(0, 900),
                        received,
                        created,
                        incident: id,
                        role: Role::Repeat,
                    });
                }
            }
            Kind::NotBounce => {
                push(ts, Role::Only, &mut rng);
            }
            _ => {
                push(ts + relay_delay + rng.range(2, 90), Role::Only, &mut rng);
            }
        }
        incidents.push(Incident {
            ts,
            reporter: reporter as u32,
            kind,
            has_final,
        });
    }
    plan.truncate(n as usize);
    plan.sort_by_key(|p| (p.arrival, p.incident, p.role));
    (incidents, plan)
}
