/*
 * conf_rule.h - the part of the config parser that reads `rule NAME { ... }`
 * and its condition expressions; conf.c calls it for each rule statement.
 */
#ifndef TRIAGED_CONF_RULE_H
#define TRIAGED_CONF_RULE_H

struct conf_send;
struct lex;
struct rule;

#define CONF_EXPR_MAX_DEPTH 64	/* nested parentheses and "not" */
#define CONF_EXPR_MAX_NODES 1024 /* conditions in one match or resolve-on */

/*
 * Parse from the rule's name through its closing brace, the `rule` keyword
 * already read, and check the rule (a match, template fields known).  On
 * success *ret is a complete rule the caller owns, and *send the names of
 * its `send` statement (n = 0 without one), which the caller owns and
 * resolves into rule->send once every upstream is known.
 */
int conf_rule_parse(struct lex *lx, struct rule **ret, struct conf_send *send, char **cause);

#endif
