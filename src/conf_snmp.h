/*
 * conf_snmp.h - the `snmp { ... }` block of the config (communities, v3
 * users, MIBs) and the resolution of symbolic trap OIDs in rule conditions
 * once the whole file is read.  No net-snmp here: names go through the
 * resolver the SNMP input installs (conf_set_oid_resolver()).
 */
#ifndef TRIAGED_CONF_SNMP_H
#define TRIAGED_CONF_SNMP_H

struct conf;
struct conf_snmp;
struct lex;

/* `snmp { ... }`, the keyword read; blocks add up. */
int conf_snmp_parse(struct lex *lx, struct conf *conf, char **cause);
/*
 * Turn every trap OID in conf's rules into numeric text: numeric ones are
 * kept, symbolic ones go through the resolver when one is installed (an
 * unknown name is then a "FILE:LINE: ..." error).
 */
int conf_snmp_resolve(struct conf *conf, char **cause);
void conf_snmp_clear(struct conf_snmp *s);

#endif
