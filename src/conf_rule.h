/*
 * conf_rule.h - the part of the config parser that reads `rule NAME { ... }`
 * and its condition expressions; conf.c calls it for each rule statement.
 */
#ifndef TRIAGED_CONF_RULE_H
#define TRIAGED_CONF_RULE_H

struct lex;
struct rule;

#define CONF_EXPR_MAX_DEPTH 64	/* nested parentheses and "not" */
#define CONF_EXPR_MAX_NODES 1024 /* conditions in one match or resolve-on */

/*
 * Parse from the rule's name through its closing brace, the `rule` keyword
 * already read, and check the rule (a match, template fields known).  On
 * success *ret is a complete rule the caller owns.
 */
int conf_rule_parse(struct lex *lx, struct rule **ret, char **cause);

#endif
