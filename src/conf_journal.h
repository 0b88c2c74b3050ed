/*
 * conf_journal.h - the `journal { ... }` block of the config: which journal
 * the journal input reads, its filters and where a first start begins.
 */
#ifndef TRIAGED_CONF_JOURNAL_H
#define TRIAGED_CONF_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct conf_journal;
struct lex;

/* `journal { ... }`, the keyword read; fills conf->journal. */
int conf_journal_parse(struct lex *lx, struct conf *conf, char **cause);
/* Whether two blocks read the same entries the same way (a reload keeps the input then). */
bool conf_journal_equal(const struct conf_journal *a, const struct conf_journal *b);
/* Whether p[0..n) is a journal field name: A-Z, 0-9 and '_', not starting with a digit. */
bool conf_journal_field_name(const char *p, size_t n);
void conf_journal_clear(struct conf_journal *j);

#endif
