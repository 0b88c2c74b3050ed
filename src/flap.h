/*
 * flap.h - flap detection with hysteresis, for rules with `flap N in T
 * [quiet Q]` and resolve-on.  A cycle is a down (an event the rule
 * matches, opening an incarnation of the key) followed by its up (the
 * resolve-on event).  The N-th cycle whose down lies within T of its up
 * turns the open incarnation into one flapping incident; every later down
 * is one more cycle in it, not a new incident; it ends only after Q with
 * no down and no up.  A plain count in a sliding window, not Nagios's
 * weighted share of state changes: events come when a device speaks, not
 * at the fixed checks that weighting assumes, and "5 in 10m" is what a
 * person writes and reads.  Pure functions of the incident and a clock.
 */
#ifndef TRIAGED_FLAP_H
#define TRIAGED_FLAP_H

#include <stdbool.h>
#include <stdint.h>

#include "incident.h"

/*
 * A new incarnation of a key, opened at now, takes from the last one
 * (prev, its flap state; NULL for none) the cycles that began within the
 * window.  A flapping one leaves nothing: after flapping, counting starts
 * again.
 */
void flap_carry(struct incident *inc, const struct incident_flap *prev,
    const struct incident_policy *pol, int64_t now);

enum flap_up {
	FLAP_UP_RESOLVE = 0, /* not flapping: an ordinary resolve */
	FLAP_UP_STARTED,     /* the cycle that makes it flap: it is flapping now */
	FLAP_UP_FLAPPING,    /* flapping already: the up is noted, nothing resolves */
};

/*
 * The key's up (its resolve-on event) at now for open inc.  Not flapping
 * yet: one cycle, from its first event, is complete; at the N-th within
 * the window it starts flapping (a held one is held no more; an
 * acknowledged one stays acknowledged, flapping all the same).
 */
enum flap_up flap_up(struct incident *inc, const struct incident_policy *pol, int64_t now);

/* A down for flapping inc at now: true when it begins a new cycle (it was up). */
bool flap_down(struct incident *inc, int64_t now);

/*
 * Its quiet period passed: it flaps no more.  Last seen up, it is
 * resolved (true); down, it is an outage: triggered again (or still
 * acknowledged), open until its resolve-on comes (false).
 */
bool flap_settle(struct incident *inc, int64_t now);

#endif
