/*
 * input_snmp_event.c - net-snmp's process-wide set-up (directories, MIBs)
 * and the conversion of a trap or inform PDU into a struct event: the trap
 * OID (v1 traps mapped to their v2 form, RFC 3584 section 3.1), one field
 * per varbind under its MIB name and its numeric OID, and a message
 * rendered the way snmptrapd prints a trap.  The host is the device the
 * trap is about: snmpTrapAddress.0 when a relay names it, else a v1 trap's
 * agent address, else (as the input set it) the sender.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "input_snmp.h"
#include "input_snmp_event.h"
#include "log.h"
#include "text.h"
#include "util.h"

#define OID_TEXT  1024 /* one OID as text */
#define VAL_TEXT  4096 /* one value as text */

/*
 * net-snmp's state is process-wide; so is the record of having set it up,
 * and whether with the state directory's persistent files.
 */
static bool lib_ready, lib_persistent;

static const oid sysuptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
static const oid trapoid_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static const oid enterprise_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 3, 0 };
static const oid generic_base[] = { 1, 3, 6, 1, 6, 3, 1, 1, 5 }; /* snmpTraps */
static const oid trap_address_oid[] = { 1, 3, 6, 1, 6, 3, 18, 1, 3, 0 }; /* snmpTrapAddress.0 */

/*
 * Names known without any MIB file (Debian ships none of the IETF
 * modules): the generic traps and the varbinds they carry.  A loaded MIB
 * takes precedence.
 */
static const struct builtin {
	const char *name;
	const char *oid;
} builtins[] = {
	{ "SNMPv2-MIB::coldStart", "1.3.6.1.6.3.1.1.5.1" },
	{ "SNMPv2-MIB::warmStart", "1.3.6.1.6.3.1.1.5.2" },
	{ "IF-MIB::linkDown", "1.3.6.1.6.3.1.1.5.3" },
	{ "IF-MIB::linkUp", "1.3.6.1.6.3.1.1.5.4" },
	{ "SNMPv2-MIB::authenticationFailure", "1.3.6.1.6.3.1.1.5.5" },
	{ "SNMPv2-MIB::snmpTraps", "1.3.6.1.6.3.1.1.5" },
	{ "SNMPv2-MIB::snmpTrapOID", "1.3.6.1.6.3.1.1.4.1" },
	{ "SNMPv2-MIB::snmpTrapEnterprise", "1.3.6.1.6.3.1.1.4.3" },
	{ "SNMPv2-MIB::sysDescr", "1.3.6.1.2.1.1.1" },
	{ "SNMPv2-MIB::sysObjectID", "1.3.6.1.2.1.1.2" },
	{ "SNMPv2-MIB::sysUpTime", "1.3.6.1.2.1.1.3" },
	{ "SNMPv2-MIB::sysContact", "1.3.6.1.2.1.1.4" },
	{ "SNMPv2-MIB::sysName", "1.3.6.1.2.1.1.5" },
	{ "SNMPv2-MIB::sysLocation", "1.3.6.1.2.1.1.6" },
	{ "IF-MIB::ifIndex", "1.3.6.1.2.1.2.2.1.1" },
	{ "IF-MIB::ifDescr", "1.3.6.1.2.1.2.2.1.2" },
	{ "IF-MIB::ifType", "1.3.6.1.2.1.2.2.1.3" },
	{ "IF-MIB::ifMtu", "1.3.6.1.2.1.2.2.1.4" },
	{ "IF-MIB::ifSpeed", "1.3.6.1.2.1.2.2.1.5" },
	{ "IF-MIB::ifPhysAddress", "1.3.6.1.2.1.2.2.1.6" },
	{ "IF-MIB::ifAdminStatus", "1.3.6.1.2.1.2.2.1.7" },
	{ "IF-MIB::ifOperStatus", "1.3.6.1.2.1.2.2.1.8" },
	{ "IF-MIB::ifLastChange", "1.3.6.1.2.1.2.2.1.9" },
	{ "IF-MIB::ifName", "1.3.6.1.2.1.31.1.1.1.1" },
	{ "IF-MIB::ifAlias", "1.3.6.1.2.1.31.1.1.1.18" },
};

/* The built-in name whose OID is num (exact) or a prefix of it at a '.' (not exact). */
static const struct builtin *
builtin_by_oid(const char *num, bool exact)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		size_t n = strlen(builtins[i].oid);
		if (strncmp(num, builtins[i].oid, n) == 0 &&
		    (num[n] == '\0' ? exact : !exact && num[n] == '.'))
			return &builtins[i];
	}
	return NULL;
}

static char *
join(char **v, size_t n, const char *dflt)
{
	size_t len = 1;
	char *s;

	if (n == 0)
		return xstrdup(dflt);
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ":");
		strcat(s, v[i]);
	}
	return s;
}

/* MIB directories and modules conf names that are not loaded yet. */
static void
load_mibs(const struct conf *conf)
{
	for (size_t i = 0; i < conf->snmp.nmib_dirs; i++)
		add_mibdir(conf->snmp.mib_dirs[i]);
	for (size_t i = 0; i < conf->snmp.nmibs; i++)
		netsnmp_read_module(conf->snmp.mibs[i]);
}

/*
 * net-snmp's own messages ("Authentication failed for x" per bad packet)
 * would let anyone flood the log: its errors go out rate-limited, the rest
 * only with -d.  Our listeners log every drop themselves, once.
 */
static int
lib_log_cb(int major, int minor, void *server_arg, void *client_arg)
{
	static struct log_ratelimit rl = { .interval_usec = 10 * USEC_PER_SEC };
	const struct snmp_log_message *m = server_arg;
	size_t n = m->msg ? strlen(m->msg) : 0;

	while (n > 0 && m->msg[n - 1] == '\n')
		n--;
	if (m->priority <= LOG_ERR)
		log_ratelimited(&rl, "net-snmp: %.*s", (int)n, m->msg ? m->msg : "");
	else
		log_debug("net-snmp: %.*s", (int)n, m->msg ? m->msg : "");
	return 0;
}

int
snmp_lib_init(const struct conf *conf, bool persistent, char **cause)
{
	char *dir = NULL, *mibdirs, *mibs;

	persistent = persistent && conf != NULL && conf->state_dir != NULL;
	/* Starting net-snmp again would leak what it never frees: the first call decides. */
	if (lib_ready && persistent && !lib_persistent) {
		if (cause != NULL)
			xasprintf(cause, "net-snmp was set up without the state directory");
		return -EALREADY;
	}
	if (lib_ready) {
		if (conf != NULL)
			load_mibs(conf);
		return 0;
	}
	if (persistent)
		xasprintf(&dir, "%s/snmp", conf->state_dir);
	else
		dir = xstrdup("/nonexistent/triaged-snmp");
	/* Before init_snmp(): it reads these once. */
	mibdirs = join(conf ? conf->snmp.mib_dirs : NULL, conf ? conf->snmp.nmib_dirs : 0,
	    "/usr/share/snmp/mibs");
	mibs = join(conf ? conf->snmp.mibs : NULL, conf ? conf->snmp.nmibs : 0, "");
	if (setenv("SNMPCONFPATH", dir, 1) < 0 || setenv("SNMP_PERSISTENT_DIR", dir, 1) < 0 ||
	    setenv("MIBDIRS", mibdirs, 1) < 0 || setenv("MIBS", mibs, 1) < 0) {
		int r = -errno;
		if (cause != NULL)
			xasprintf(cause, "cannot set the SNMP library's environment: %s",
			    strerror(-r));
		free(dir);
		free(mibdirs);
		free(mibs);
		return r;
	}
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, dir);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, dir);
	/* Names only (config check, another daemon's state dir): read and write nothing. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, !persistent);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PRINT_UNITS, 1);
	snmp_set_save_descriptions(0);
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, lib_log_cb, NULL);
	snmp_enable_calllog();
	init_snmp("triaged");
	lib_ready = true;
	lib_persistent = persistent;
	free(dir);
	free(mibdirs);
	free(mibs);
	return 0;
}

void
snmp_lib_shutdown(void)
{
	if (!lib_ready)
		return;
	snmp_shutdown("triaged"); /* stores engineBoots under the persistent dir */
	lib_ready = false;
}

/*
 * Numeric text of an OID, without the leading dot, as far as whole
 * sub-identifiers fit.  By hand: snprintf per sub-identifier was a third
 * of the CPU a trap cost.
 */
static size_t
oid_numeric(const oid *o, size_t n, char *buf, size_t size)
{
	char digits[24];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = o[i];
		size_t k = 0;
		do {
			digits[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		if (len + (i > 0) + k >= size)
			break;
		if (i > 0)
			buf[len++] = '.';
		while (k > 0)
			buf[len++] = digits[--k];
	}
	buf[len] = '\0';
	return len;
}

static size_t
tree_depth(const struct tree *t)
{
	size_t d = 0;

	for (; t != NULL; t = t->parent)
		d++;
	return d;
}

/*
 * Of an OID of n sub-identifiers whose closest MIB node is t, how many are
 * the MIB object's own (the rest is the instance).  0 when no loaded MIB
 * defines it; exact asks for the whole OID to be one node (a notification).
 */
static size_t
object_depth(const struct tree *t, size_t n, bool exact)
{
	size_t d = tree_depth(t);

	if (t == NULL || d > n || (exact && d != n) || (!exact && t->type == TYPE_OTHER))
		return 0;
	return d;
}

static size_t
mib_object(const oid *o, size_t n, bool exact)
{
	return object_depth(n > 0 ? get_tree(o, n, get_tree_head()) : NULL, n, exact);
}

/* "IF-MIB::ifIndex" for an object the MIBs know; numeric otherwise. */
static struct str
put_name(struct event *ev, const oid *o, size_t n, bool exact)
{
	char buf[OID_TEXT];
	size_t d = mib_object(o, n, exact);
	int k = d > 0 ? snprint_objid(buf, sizeof(buf), o, d) : -1;

	if (k <= 0 || strstr(buf, "::") == NULL) {
		k = (int)oid_numeric(o, n, buf, sizeof(buf));
		const struct builtin *b = exact ? builtin_by_oid(buf, true) : NULL;
		if (b != NULL)
			return str_make(b->name, strlen(b->name));
	}
	return event_scratch_put(ev, buf, (size_t)k);
}

static void
add_field(struct event *ev, const char *name, struct str value)
{
	(void)event_add_field(ev, str_make(name, strlen(name)), value);
}

static void
add_field_text(struct event *ev, const char *name, const char *value)
{
	struct str n = event_scratch_put(ev, name, strlen(name));

	(void)event_add_field(ev, n, event_scratch_put(ev, value, strlen(value)));
}

enum octets {
	OCTETS_BINARY = 0, /* as net-snmp prints it: hex, or by its hint */
	OCTETS_HINTED_TEXT, /* the MIB says text: snmptrapd prints it bare */
	OCTETS_TEXT,	    /* text by its bytes: snmptrapd prints it quoted */
};

/*
 * Whether an OCTET STRING is text people read.  Its MIB says so with a
 * display hint ("255a", "255t"); without one, text is what holds no byte
 * below 0x20 but TAB, CR and LF and reads in the listener's charset.  Text
 * keeps its bytes as sent (ingest repairs and escapes them like syslog
 * text), where net-snmp would print '.' for each byte it finds odd.
 */
static enum octets
octets_kind(const netsnmp_variable_list *v, const struct tree *tp, enum text_charset cs)
{
	const u_char *p = v->val.string;

	if (v->type != ASN_OCTET_STR || p == NULL || v->val_len > VAL_TEXT)
		return OCTETS_BINARY;
	if (tp != NULL && tp->hint != NULL && *tp->hint != '\0') {
		char last = tp->hint[strlen(tp->hint) - 1];
		return last == 'a' || last == 't' ? OCTETS_HINTED_TEXT : OCTETS_BINARY;
	}
	for (size_t i = 0; i < v->val_len; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return OCTETS_BINARY;
	if (cs == TEXT_LATIN1 || text_is_utf8((const char *)p, v->val_len))
		return OCTETS_TEXT;
	return OCTETS_BINARY;
}

/*
 * What one varbind's name comes to, worked out once for both its fields
 * and its part of the message.
 */
struct var_id {
	const struct tree *node; /* the closest MIB node (its display hint) */
	size_t depth;		 /* object_depth(), not exact */
	const struct builtin *b; /* when no MIB knows it, a built-in name over it */
	enum octets kind;
	char num[OID_TEXT]; /* the whole OID, numeric */
};

static void
var_id(const netsnmp_variable_list *v, enum text_charset cs, struct var_id *id)
{
	id->node = v->name_length > 0 ? get_tree(v->name, v->name_length, get_tree_head()) : NULL;
	id->depth = object_depth(id->node, v->name_length, false);
	oid_numeric(v->name, v->name_length, id->num, sizeof(id->num));
	id->b = id->depth == 0 ? builtin_by_oid(id->num, false) : NULL;
	id->kind = octets_kind(v, id->node, cs);
}

/* A value as a field: plain ("3", "eth3"), no type prefix. */
static struct str
put_value(struct event *ev, const netsnmp_variable_list *v, enum octets kind)
{
	char buf[VAL_TEXT];
	int k;

	if (kind != OCTETS_BINARY)
		return event_scratch_put(ev, (const char *)v->val.string, v->val_len);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_QUICK_PRINT, 1);
	k = snprint_value(buf, sizeof(buf), v->name, v->name_length, v);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_QUICK_PRINT, 0);
	if (k < 0)
		k = 0;
	/* Quick print quotes strings that need it; a rule compares what people see. */
	if (k >= 2 && buf[0] == '"' && buf[k - 1] == '"')
		return event_scratch_put(ev, buf + 1, (size_t)k - 2);
	return event_scratch_put(ev, buf, (size_t)k);
}

static bool
oid_is(const oid *o, size_t n, const oid *want, size_t wn)
{
	return n == wn && netsnmp_oid_equals(o, n, want, wn) == 0;
}

/* RFC 3584 3.1: the snmpTrapOID.0 of a v1 trap. */
static size_t
v1_trap_oid(const netsnmp_pdu *pdu, oid *out, size_t max)
{
	if (pdu->trap_type >= 0 && pdu->trap_type < SNMP_TRAP_ENTERPRISESPECIFIC) {
		memcpy(out, generic_base, sizeof(generic_base));
		out[ARRAY_SIZE(generic_base)] = (oid)pdu->trap_type + 1;
		return ARRAY_SIZE(generic_base) + 1;
	}
	if (pdu->enterprise == NULL || pdu->enterprise_length + 2 > max)
		return 0;
	memcpy(out, pdu->enterprise, pdu->enterprise_length * sizeof(oid));
	out[pdu->enterprise_length] = 0;
	out[pdu->enterprise_length + 1] = (oid)pdu->specific_type;
	return pdu->enterprise_length + 2;
}

static void
add_identity(netsnmp_pdu *pdu, struct event *ev)
{
	char buf[OID_TEXT];

	if (pdu->version == SNMP_VERSION_3) {
		add_field(ev, "version", STR_LIT("3"));
		add_field(ev, "user", pdu->securityName == NULL ? STR_EMPTY :
		    event_scratch_put(ev, pdu->securityName, pdu->securityNameLen));
		return;
	}
	add_field(ev, "version", pdu->version == SNMP_VERSION_1 ? STR_LIT("1") : STR_LIT("2c"));
	add_field(ev, "community", pdu->community == NULL ? STR_EMPTY :
	    event_scratch_put(ev, (const char *)pdu->community, pdu->community_len));
	if (pdu->command != SNMP_MSG_TRAP)
		return;
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", pdu->agent_addr[0], pdu->agent_addr[1],
	    pdu->agent_addr[2], pdu->agent_addr[3]);
	add_field_text(ev, "agent", buf);
	/* The device, even through a relay; 0.0.0.0 is an agent that did not say. */
	if (strcmp(buf, "0.0.0.0") != 0)
		ev->host = event_scratch_put(ev, buf, strlen(buf));
	if (pdu->enterprise != NULL) {
		oid_numeric(pdu->enterprise, pdu->enterprise_length, buf, sizeof(buf));
		add_field_text(ev, "enterprise", buf);
	}
	snprintf(buf, sizeof(buf), "%lu", (unsigned long)pdu->time);
	add_field_text(ev, "uptime", buf);
}

/*
 * The varbind's full name with its instance, "IF-MIB::ifIndex.3": through
 * the MIBs, else a built-in name, else whatever net-snmp makes of it.
 */
static int
var_name(const netsnmp_variable_list *v, const struct var_id *id, char *buf, size_t size)
{
	if (id->b != NULL) {
		size_t n = strlen(id->b->name), inst = strlen(id->num + strlen(id->b->oid));
		if (n + inst >= size)
			return -1;
		memcpy(buf, id->b->name, n);
		memcpy(buf + n, id->num + strlen(id->b->oid), inst + 1);
		return (int)(n + inst);
	}
	return snprint_objid(buf, size, v->name, v->name_length);
}

/* Append one snmptrapd-style "NAME.INST = TYPE: VALUE" to msg, after " " or ", ". */
static void
render_var(char *msg, size_t size, size_t *len, const netsnmp_variable_list *v, bool first,
    const struct var_id *id)
{
	int k;

	if (*len + 8 >= size)
		return;
	if (!first)
		msg[(*len)++] = ',';
	msg[(*len)++] = ' ';
	k = var_name(v, id, msg + *len, size - *len);
	if (k > 0 && *len + (size_t)k + 4 < size) {
		*len += (size_t)k;
		memcpy(msg + *len, " = ", 4);
		*len += 3;
		enum octets kind = id->kind;
		if (kind != OCTETS_BINARY && *len + 11 < size) {
			const char *q = kind == OCTETS_TEXT ? "\"" : "";
			*len += (size_t)snprintf(msg + *len, size - *len, "STRING: %s", q);
			size_t n = v->val_len < size - *len - 2 ? v->val_len : size - *len - 2;
			memcpy(msg + *len, v->val.string, n);
			*len += n;
			*len += (size_t)snprintf(msg + *len, size - *len, "%s", q);
		} else if ((k = snprint_value(msg + *len, size - *len, v->name, v->name_length,
			       v)) > 0)
			*len += (size_t)k;
	}
	msg[*len] = '\0';
}

/*
 * Each varbind as fields "MIB::object" (when a MIB or the built-in names
 * know it) and "var.OID"; the instance is left out of both.  Fields beyond
 * EVENT_MAX_FIELDS are lost; the message still has every varbind.
 */
static void
add_var(struct event *ev, const netsnmp_variable_list *v, const struct var_id *id)
{
	char num[OID_TEXT + 4];
	size_t d = id->depth;
	struct str value = put_value(ev, v, id->kind);
	const struct builtin *b = id->b;
	struct str name;

	memcpy(num, "var.", 4);
	if (d > 0)
		oid_numeric(v->name, d, num + 4, sizeof(num) - 4);
	else
		memcpy(num + 4, id->num, strlen(id->num) + 1);
	if (b != NULL)
		num[4 + strlen(b->oid)] = '\0'; /* the instance is what follows the object */
	name = event_scratch_put(ev, num, strlen(num));
	(void)event_add_field(ev, name, value);
	if (b != NULL)
		(void)event_add_field(ev, str_make(b->name, strlen(b->name)), value);
	if (d > 0) {
		name = put_name(ev, v->name, d, true);
		if (memmem(name.p, name.n, "::", 2) != NULL)
			(void)event_add_field(ev, name, value);
	}
}

static void
add_trap_oid(struct event *ev, const oid *o, size_t n, char *msg, size_t *len, size_t size)
{
	char num[OID_TEXT];
	struct str sym;

	oid_numeric(o, n, num, sizeof(num));
	add_field_text(ev, "trap-oid", num);
	sym = put_name(ev, o, n, true);
	add_field(ev, "trap", sym);
	*len = sym.n < size ? sym.n : size - 1;
	memcpy(msg, sym.p, *len);
	msg[*len] = '\0';
}

/*
 * snmpTrapAddress.0 (SNMP-COMMUNITY-MIB): a proxy or forwarder that relays
 * a trap names the device it came from here (RFC 3584 3.1), and that
 * device, not the relay, is the event's host.
 */
static void
relayed_from(struct event *ev, const netsnmp_variable_list *v)
{
	char buf[32];

	if (v->type != ASN_IPADDRESS || v->val_len != 4 || v->val.string == NULL)
		return;
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", v->val.string[0], v->val.string[1],
	    v->val.string[2], v->val.string[3]);
	ev->host = event_scratch_put(ev, buf, strlen(buf));
}

void
snmp_event_from_pdu(netsnmp_pdu *pdu, struct event *ev)
{
	char msg[SNMP_EVENT_SCRATCH / 4];
	oid trap[MAX_OID_LEN];
	size_t ntrap = 0, len = 0;
	bool first = true;
	const netsnmp_variable_list *v;
	struct var_id id;

	ev->type = EVENT_TRAP;
	ev->severity = 4; /* warning, unless a rule says otherwise */
	ev->facility = 1;
	add_identity(pdu, ev);
	if (pdu->command == SNMP_MSG_TRAP) {
		ntrap = v1_trap_oid(pdu, trap, ARRAY_SIZE(trap));
	} else {
		for (v = pdu->variables; v != NULL; v = v->next_variable) {
			if (oid_is(v->name, v->name_length, trapoid_oid, ARRAY_SIZE(trapoid_oid)) &&
			    v->type == ASN_OBJECT_ID && v->val.objid != NULL) {
				ntrap = v->val_len / sizeof(oid);
				if (ntrap > ARRAY_SIZE(trap))
					ntrap = ARRAY_SIZE(trap);
				memcpy(trap, v->val.objid, ntrap * sizeof(oid));
			} else if (oid_is(v->name, v->name_length, sysuptime_oid,
			    ARRAY_SIZE(sysuptime_oid)) && v->type == ASN_TIMETICKS &&
			    v->val.integer != NULL && v->val_len >= sizeof(*v->val.integer)) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%lu", (unsigned long)*v->val.integer);
				add_field_text(ev, "uptime", buf);
			}
		}
	}
	if (ntrap == 0)
		ev->flags |= EVENT_MALFORMED; /* a v2 notification without snmpTrapOID.0 */
	add_trap_oid(ev, trap, ntrap, msg, &len, sizeof(msg));
	for (v = pdu->variables; v != NULL; v = v->next_variable) {
		if (oid_is(v->name, v->name_length, trapoid_oid, ARRAY_SIZE(trapoid_oid)) ||
		    oid_is(v->name, v->name_length, sysuptime_oid, ARRAY_SIZE(sysuptime_oid)))
			continue;
		if (oid_is(v->name, v->name_length, enterprise_oid, ARRAY_SIZE(enterprise_oid)) &&
		    v->type == ASN_OBJECT_ID) {
			char buf[OID_TEXT];
			oid_numeric(v->val.objid, v->val_len / sizeof(oid), buf, sizeof(buf));
			add_field_text(ev, "enterprise", buf);
			continue;
		}
		if (oid_is(v->name, v->name_length, trap_address_oid, ARRAY_SIZE(trap_address_oid)))
			relayed_from(ev, v);
		var_id(v, ev->charset, &id);
		add_var(ev, v, &id);
		render_var(msg, sizeof(msg), &len, v, first, &id);
		first = false;
	}
	ev->message = event_scratch_put(ev, msg, len);
	ev->raw = ev->message;
}

static int
resolve_oid(const struct conf *conf, bool persistent, const char *name, char *buf, size_t size)
{
	oid o[MAX_OID_LEN];
	size_t n = ARRAY_SIZE(o);
	char *cause = NULL;
	int r;

	if ((r = snmp_lib_init(conf, persistent, &cause)) < 0) {
		free(cause);
		return r;
	}
	/* Without MIBs, built-in names first: net-snmp would go looking for the module. */
	if (conf->snmp.nmibs == 0 || snmp_parse_oid(name, o, &n) == NULL) {
		for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
			if (strcmp(name, builtins[i].name) == 0) {
				strlcpy_t(buf, builtins[i].oid, size);
				return 0;
			}
		}
		if (conf->snmp.nmibs > 0 || snmp_parse_oid(name, o, &n) == NULL)
			return -ENOENT;
	}
	oid_numeric(o, n, buf, size);
	return 0;
}

int
snmp_input_resolve_oid(const struct conf *conf, const char *name, char *buf, size_t size)
{
	return resolve_oid(conf, true, name, buf, size);
}

int
snmp_input_resolve_oid_nostate(const struct conf *conf, const char *name, char *buf, size_t size)
{
	return resolve_oid(conf, false, name, buf, size);
}

/*
 * A v2c trap as snmptrap's command line describes it: the trap's OID, then
 * OID TYPE VALUE triples with snmptrap's type letters (i u c s x d n o t a
 * ...).  Names go through the MIBs the config loads, as a received trap's
 * do, so `triagectl explain --trap` sees the event a real one would give.
 */
static int
add_word_var(netsnmp_pdu *pdu, const char *name, const char *type, const char *value,
    char **cause)
{
	oid o[MAX_OID_LEN];
	size_t n = ARRAY_SIZE(o);

	if (snmp_parse_oid(name, o, &n) == NULL) {
		xasprintf(cause, "unknown OID %s", name);
		return -EINVAL;
	}
	if (type[0] == '\0' || type[1] != '\0' || snmp_add_var(pdu, o, n, type[0], value) != 0) {
		xasprintf(cause, "%s: cannot be \"%s\" of type %s", name, value, type);
		return -EINVAL;
	}
	return 0;
}

static int
pdu_from_words(const char *trap_oid, char *const *words, size_t nwords, netsnmp_pdu **ret,
    char **cause)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
	int r = 0;

	if (pdu == NULL)
		return -ENOMEM;
	pdu->version = SNMP_VERSION_2c;
	snmp_add_var(pdu, sysuptime_oid, ARRAY_SIZE(sysuptime_oid), 't', "0");
	if (snmp_add_var(pdu, trapoid_oid, ARRAY_SIZE(trapoid_oid), 'o', trap_oid) != 0) {
		xasprintf(cause, "unknown trap OID %s", trap_oid);
		r = -EINVAL;
	}
	for (size_t i = 0; r == 0 && i + 2 < nwords; i += 3)
		r = add_word_var(pdu, words[i], words[i + 1], words[i + 2], cause);
	if (r < 0) {
		snmp_free_pdu(pdu);
		return r;
	}
	*ret = pdu;
	return 0;
}

int
snmp_event_from_words(const char *trap_oid, char *const *words, size_t nwords,
    struct event *ev, char **cause)
{
	netsnmp_pdu *pdu;
	int r;

	*cause = NULL;
	if (nwords % 3 != 0) {
		xasprintf(cause, "varbinds come in threes: OID TYPE VALUE");
		return -EINVAL;
	}
	if (snmp_lib_init(NULL, false, NULL) < 0) {
		xasprintf(cause, "the SNMP library is not available");
		return -EIO;
	}
	if ((r = pdu_from_words(trap_oid, words, nwords, &pdu, cause)) < 0)
		return r;
	snmp_event_from_pdu(pdu, ev);
	snmp_free_pdu(pdu);
	return 0;
}
