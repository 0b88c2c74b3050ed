/*
 * input_priority.h - inputs are read before deliveries and other timed
 * work while they keep up: a line waits in its socket for at most one
 * dispatch, not for a round of every pending curl socket (during a drain
 * of 100,000 deliveries that round took milliseconds).  An input that is
 * flooded (a dispatch read its whole share and more is waiting) drops to
 * the normal priority until it has been drained again, so a flood cannot
 * starve deliveries: the kernel's receive buffer holds the rest meanwhile.
 * Only the commit timer (batch.c) and the control socket come first.
 */
#ifndef TRIAGED_INPUT_PRIORITY_H
#define TRIAGED_INPUT_PRIORITY_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#define INPUT_PRIORITY (SD_EVENT_PRIORITY_IMPORTANT / 10)
/*
 * How long one dispatch of an input may read for.  Lines that open
 * incidents cost ~30 us each: without a bound, one TCP dispatch of 1 MiB
 * (12,000 lines) held the loop for 300 ms.
 */
#define INPUT_DISPATCH_USEC 2000

/*
 * After a dispatch: drained says the source had nothing more to read;
 * *backlogged counts the dispatches that left more (the listener's
 * `backlogged` in triagectl status).
 */
static inline void
input_priority_after(sd_event_source *s, bool drained, uint64_t *backlogged)
{
	if (!drained)
		(*backlogged)++;
	(void)sd_event_source_set_priority(s, drained ? INPUT_PRIORITY : SD_EVENT_PRIORITY_NORMAL);
}

#endif
