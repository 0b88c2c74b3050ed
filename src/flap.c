/*
 * flap.c - flap detection with hysteresis: cycles of a key's downs and
 * ups counted in a sliding window, one flapping incident from the N-th,
 * ended by a quiet period.  Pure; the pipeline (pipeline_flap.c) saves
 * and sends what it decides.
 */
#include "config.h"

#include <string.h>

#include "flap.h"

/* Forget the cycles that began before the window that ends at now. */
static void
prune(struct incident_flap *f, int64_t window, int64_t now)
{
	uint32_t old = 0;

	while (old < f->nstarts && now - f->starts[old] > window)
		old++;
	memmove(f->starts, f->starts + old, (f->nstarts - old) * sizeof(f->starts[0]));
	f->nstarts -= old;
}

void
flap_carry(struct incident *inc, const struct incident_flap *prev,
    const struct incident_policy *pol, int64_t now)
{
	struct incident_flap *f = &inc->flap;

	memset(f, 0, sizeof(*f));
	f->down = true;
	f->changed = now;
	if (prev == NULL || prev->active || pol->flap_cycles == 0)
		return;
	f->nstarts = prev->nstarts <= INCIDENT_FLAP_MAX ? prev->nstarts : INCIDENT_FLAP_MAX;
	memcpy(f->starts, prev->starts, f->nstarts * sizeof(f->starts[0]));
	prune(f, pol->flap_window, now);
}

/* One more complete cycle, begun at start; only the last `keep` are needed. */
static void
push_start(struct incident_flap *f, uint32_t keep, int64_t start)
{
	if (keep > INCIDENT_FLAP_MAX)
		keep = INCIDENT_FLAP_MAX;
	if (f->nstarts >= keep) {
		uint32_t drop = f->nstarts - keep + 1;
		memmove(f->starts, f->starts + drop, (f->nstarts - drop) * sizeof(f->starts[0]));
		f->nstarts -= drop;
	}
	f->starts[f->nstarts++] = start;
}

/* It starts flapping at now with the cycles of the window; the window's memory starts over. */
static void
start(struct incident *inc, int64_t now)
{
	struct incident_flap *f = &inc->flap;

	f->active = true;
	f->cycles = f->nstarts;
	f->nstarts = 0;
	f->down = false;
	f->changed = now;
	inc->held_since = 0;
	if (inc->state != INCIDENT_ACKNOWLEDGED)
		inc->state = INCIDENT_FLAPPING;
	inc->state_since = now;
}

enum flap_up
flap_up(struct incident *inc, const struct incident_policy *pol, int64_t now)
{
	struct incident_flap *f = &inc->flap;

	if (f->active) {
		if (f->down) {
			f->down = false;
			f->changed = now;
		}
		return FLAP_UP_FLAPPING;
	}
	f->down = false;
	f->changed = now;
	if (pol->flap_cycles == 0)
		return FLAP_UP_RESOLVE;
	push_start(f, pol->flap_cycles, inc->first_seen);
	prune(f, pol->flap_window, now);
	if (f->nstarts < pol->flap_cycles)
		return FLAP_UP_RESOLVE;
	start(inc, now);
	return FLAP_UP_STARTED;
}

bool
flap_down(struct incident *inc, int64_t now)
{
	struct incident_flap *f = &inc->flap;

	if (!f->active || f->down)
		return false;
	f->down = true;
	f->changed = now;
	f->cycles++;
	return true;
}

bool
flap_settle(struct incident *inc, int64_t now)
{
	struct incident_flap *f = &inc->flap;

	f->active = false;
	if (!f->down) {
		incident_resolve(inc, now);
		return true;
	}
	if (inc->state == INCIDENT_FLAPPING) {
		inc->state = INCIDENT_TRIGGERED;
		inc->state_since = now;
	}
	return false;
}
