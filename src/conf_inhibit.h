/*
 * conf_inhibit.h - the `inhibit` statements of the config, into
 * conf->inhibits; their rule names are checked once the whole file is read.
 */
#ifndef TRIAGED_CONF_INHIBIT_H
#define TRIAGED_CONF_INHIBIT_H

struct conf;
struct lex;

/* `inhibit "SOURCE" suppresses "TARGET" ... equal FIELD ...`, the keyword read. */
int conf_inhibit_parse(struct lex *lx, struct conf *conf, char **cause);
/* Every rule an inhibit statement names exists; "FILE:LINE: ..." in *cause else. */
int conf_inhibit_resolve(const struct conf *conf, char **cause);
void conf_inhibit_free(struct conf *conf);

#endif
