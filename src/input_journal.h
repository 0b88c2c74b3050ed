/*
 * input_journal.h - the systemd journal as an input, through sd-journal,
 * driven by the event loop.  Each entry becomes an EVENT_JOURNAL event; the
 * cursor of the last entry submitted is written in the same batch, under
 * "journal.cursor" in the store, so a crash or restart neither skips nor
 * repeats an entry.
 */
#ifndef TRIAGED_INPUT_JOURNAL_H
#define TRIAGED_INPUT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct daemon;
struct event;
struct journal_input;

/* The store's key for the cursor of the last entry submitted. */
#define JOURNAL_CURSOR_KEY "journal.cursor"

int journal_input_new(struct daemon *d, struct journal_input **ret);
void journal_input_free(struct journal_input *ji); /* NULL-safe */
/*
 * Read the journal conf->journal names, or stop reading when it names
 * none.  An unchanged block keeps the open journal; a changed one is
 * opened before the old one is closed, so on error nothing changes and
 * *cause says why.  Reads resume after the last entry submitted, else
 * after the stored cursor, else at the head or the tail per `start`.
 */
int journal_input_apply(struct journal_input *ji, const struct conf *conf, char **cause);

/*
 * Building an event from an entry's fields, without sd-journal (for tests):
 * begin resets ev with room for any entry, add copies one "FIELD=value"
 * (values cut at max_message for MESSAGE, at 4 KiB for others), finish
 * fills what the entry left out (host: hostname; program: _COMM).
 */
void journal_event_begin(struct event *ev, size_t max_message, int64_t now);
void journal_event_add(struct event *ev, const void *data, size_t len, size_t max_message);
void journal_event_finish(struct event *ev, const char *hostname);

#endif
