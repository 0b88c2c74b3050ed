/*
 * rules.c - compiled rule conditions, regexes and templates, and their
 * evaluation for every event.  Everything that can be decided once is
 * decided at compile time (field ids, name lengths, JIT code, match data)
 * so that rules_eval() neither allocates nor measures strings.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules.h"

/*
 * Bounds on one regex match.  Above them a match is abandoned and counts as
 * "no match", so one pathological pattern or message cannot stall the loop.
 */
#define REGEX_MATCH_LIMIT 100000
#define REGEX_DEPTH_LIMIT 1000

struct regex {
	pcre2_code *code;
	pcre2_match_data *md; /* one per regex: the loop is single-threaded */
	pcre2_match_context *mctx;
	size_t nnames;
	const char **names;  /* named groups, NUL-terminated, in namebuf */
	struct str *snames;  /* the same as slices, for event fields */
	uint32_t *groups;    /* group number of each name */
	char *namebuf;
};

/* Fields kept in struct event itself; 0 means "only in ev->fields". */
enum {
	FIELD_NAMED = 0,
	FIELD_HOST,
	FIELD_PROGRAM,
	FIELD_PID,
	FIELD_MSGID,
	FIELD_MESSAGE,
	FIELD_SOURCE,
	FIELD_FACILITY,
	FIELD_SEVERITY,
	FIELD_ORIGINAL_HOST,
};

static const char *const fixed_fields[] = {
	[FIELD_HOST] = "host",		 [FIELD_PROGRAM] = "program",
	[FIELD_PID] = "pid",		 [FIELD_MSGID] = "msgid",
	[FIELD_MESSAGE] = "message",	 [FIELD_SOURCE] = "source",
	[FIELD_FACILITY] = "facility", [FIELD_SEVERITY] = "severity",
	[FIELD_ORIGINAL_HOST] = EVENT_ORIGINAL_HOST,
};

static int
field_id(struct str name)
{
	for (size_t i = 1; i < ARRAY_SIZE(fixed_fields); i++)
		if (str_eq_cstr(name, fixed_fields[i]))
			return (int)i;
	return FIELD_NAMED;
}

static struct str
cstr(const char *s)
{
	return str_make(s, strlen(s));
}

/*
 * event_get() with the name's id worked out in advance.  Added fields come
 * first and the latest wins, as in event_get(), so a capture may shadow a
 * fixed field.  A missing field reads as "".
 */
static struct str
field_value(const struct event *ev, int id, struct str name)
{
	for (size_t i = ev->nfields; i-- > 0;)
		if (str_eq(ev->fields[i].name, name))
			return ev->fields[i].value;
	switch (id) {
	case FIELD_HOST: return ev->host;
	case FIELD_PROGRAM: return ev->program;
	case FIELD_PID: return ev->pid;
	case FIELD_MSGID: return ev->msgid;
	case FIELD_MESSAGE: return ev->message;
	case FIELD_SOURCE: return ev->source;
	/* Short constant names; only conditions and templates that ask pay for strlen. */
	case FIELD_FACILITY: return cstr(event_facility_name(ev->facility));
	case FIELD_SEVERITY: return cstr(event_severity_name(ev->severity));
	/* Set as a field when a host alias renamed the host; else the host is the original. */
	case FIELD_ORIGINAL_HOST: return ev->host;
	default: return STR_EMPTY;
	}
}

static void
regex_load_names(struct regex *re)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;
	size_t used = 0;

	pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
	if (count == 0)
		return;
	pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
	re->nnames = count;
	re->names = xcalloc(count, sizeof(*re->names));
	re->snames = xcalloc(count, sizeof(*re->snames));
	re->groups = xcalloc(count, sizeof(*re->groups));
	re->namebuf = xmalloc((size_t)count * size);
	/* Each entry: the group number, big-endian in two bytes, then the NUL-terminated name. */
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = table + (size_t)i * size;
		size_t n = strlen((const char *)e + 2);
		memcpy(re->namebuf + used, e + 2, n + 1);
		re->groups[i] = (uint32_t)e[0] << 8 | e[1];
		re->names[i] = re->namebuf + used;
		re->snames[i] = str_make(re->namebuf + used, n);
		used += n + 1;
	}
}

int
regex_compile(const char *pattern, struct regex **ret, char **cause)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	struct regex *re;
	pcre2_code *code;
	int err;

	/* Messages are bytes, not always UTF-8: (*UTF) would make bad input never match. */
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_NEVER_UTF, &err,
	    &off, NULL);
	if (code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		xasprintf(cause, "%s at offset %zu", (const char *)msg, (size_t)off);
		return -EINVAL;
	}
	re = xcalloc(1, sizeof(*re));
	re->code = code;
	/* Without JIT support the interpreter runs the same pattern, only slower. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	re->md = pcre2_match_data_create_from_pattern(code, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (re->md == NULL || re->mctx == NULL) {
		regex_free(re);
		xasprintf(cause, "out of memory");
		return -ENOMEM;
	}
	pcre2_set_match_limit(re->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, REGEX_DEPTH_LIMIT);
	regex_load_names(re);
	*ret = re;
	return 0;
}

void
regex_free(struct regex *re)
{
	if (re == NULL)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re->names);
	free(re->snames);
	free(re->groups);
	free(re->namebuf);
	free(re);
}

size_t
regex_names(const struct regex *re, const char *const **names)
{
	*names = re->names;
	return re->nnames;
}

/* Match s; on success add the named groups that took part as fields of ev. */
static bool
regex_match(const struct regex *re, struct str s, struct event *ev, bool capture)
{
	PCRE2_SIZE *ov;
	int rc;

	rc = pcre2_match(re->code, (PCRE2_SPTR)s.p, s.n, 0, 0, re->md, re->mctx);
	if (rc < 0)
		return false; /* no match, or a limit was hit: the same to a rule */
	if (!capture)
		return true;
	ov = pcre2_get_ovector_pointer(re->md);
	for (size_t i = 0; i < re->nnames; i++) {
		uint32_t g = re->groups[i];
		if (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET)
			continue;
		/* Full: the capture is lost, the match still counts. */
		(void)event_add_field(ev, re->snames[i],
		    str_make(s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
	}
	return true;
}

static bool
compare_int(int have, enum cond_op op, int want)
{
	switch (op) {
	case OP_EQ: return have == want;
	case OP_NE: return have != want;
	case OP_LT: return have < want;
	case OP_LE: return have <= want;
	case OP_GT: return have > want;
	case OP_GE: return have >= want;
	default: return false;
	}
}

static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned full = prefix / 8, rem = prefix % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

/* IPv4 senders on a dual-stack socket arrive as ::ffff:a.b.c.d; they still match a v4 CIDR. */
bool
cidr_match(const struct cidr *c, const struct sockaddr_storage *ss)
{
	const uint8_t *a;

	if (ss->ss_family == AF_INET) {
		if (c->family != AF_INET)
			return false;
		a = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		a = in6->s6_addr;
		if (c->family == AF_INET) {
			if (!IN6_IS_ADDR_V4MAPPED(in6))
				return false;
			a += 12;
		}
	} else
		return false; /* the local unix socket has no address */
	return prefix_eq(a, c->addr, c->prefix);
}

bool
cidr_contains(const struct cidr *outer, const struct cidr *inner)
{
	return outer->family == inner->family && outer->prefix <= inner->prefix &&
	    prefix_eq(inner->addr, outer->addr, outer->prefix);
}

static bool
oid_test(const struct cond *c, const struct event *ev)
{
	struct str v = field_value(ev, FIELD_NAMED, c->fname);

	if (c->num == 0)
		return str_eq(v, c->value);
	/* Under: the OID itself or any below it, at a '.' boundary. */
	return v.n >= c->value.n && memcmp(v.p, c->value.p, c->value.n) == 0 &&
	    (v.n == c->value.n || v.p[c->value.n] == '.');
}

/* A whole decimal number (leading '-' allowed), for numeric varbind comparisons. */
static bool
str_number(struct str s, double *out)
{
	char buf[64], *end;

	if (s.n == 0 || s.n >= sizeof(buf))
		return false;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	if (strspn(buf, "-+.0123456789") != s.n)
		return false;
	*out = strtod(buf, &end);
	return end == buf + s.n;
}

static bool
field_test(const struct cond *c, struct event *ev);

static bool
var_test(const struct cond *c, struct event *ev)
{
	struct str v = field_value(ev, c->field_id, c->fname);
	double a, b;

	if (c->op == OP_MATCH || c->op == OP_NMATCH || !str_number(v, &a) ||
	    !str_number(c->value, &b)) {
		if (c->op >= OP_LT && c->op <= OP_GE)
			return false; /* ordered comparison of a non-number */
		return field_test(c, ev);
	}
	switch (c->op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

static bool
field_test(const struct cond *c, struct event *ev)
{
	struct str v = field_value(ev, c->field_id, c->fname);

	switch (c->op) {
	case OP_EQ: return str_eq(v, c->value);
	case OP_NE: return !str_eq(v, c->value);
	case OP_MATCH: return regex_match(c->re, v, ev, true);
	case OP_NMATCH: return !regex_match(c->re, v, ev, false);
	default: return false;
	}
}

static bool
cond_test(const struct cond *c, struct event *ev)
{
	switch (c->kind) {
	case COND_TRUE: return true;
	case COND_AND: return cond_eval(c->a, ev) && cond_eval(c->b, ev);
	case COND_OR: return cond_eval(c->a, ev) || cond_eval(c->b, ev);
	case COND_NOT: return !cond_eval(c->a, ev);
	case COND_SOURCE_TYPE: return compare_int((int)ev->type, c->op, c->num);
	case COND_FACILITY: return compare_int(ev->facility, c->op, c->num);
	case COND_SEVERITY: return compare_int(ev->severity, c->op, c->num);
	case COND_FIELD: return field_test(c, ev);
	case COND_ADDRESS: return cidr_match(&c->cidr, &ev->src) == (c->op != OP_NE);
	case COND_TRAP_OID: return oid_test(c, ev);
	case COND_VAR: return var_test(c, ev);
	}
	return false;
}

bool
cond_eval(const struct cond *c, struct event *ev)
{
	size_t n = ev->nfields;

	if (cond_test(c, ev))
		return true;
	/* A condition that failed leaves no captures behind, e.g. under "not" or "or". */
	ev->nfields = n;
	return false;
}

static enum rules_verdict
rules_won(const struct rule *r, struct event *ev, const struct rule **which,
    enum rules_verdict v)
{
	(void)event_add_field(ev, STR_LIT("rule"), str_make(r->name, r->name_len));
	if (which != NULL)
		*which = r;
	return v;
}

enum rules_verdict
rules_eval(struct rule *const *rules, size_t nrules, struct event *ev, const struct rule **which)
{
	for (size_t i = 0; i < nrules; i++) {
		const struct rule *r = rules[i];
		if (cond_eval(r->match, ev))
			return rules_won(r, ev, which, RULES_MATCH);
		if (r->resolve_on != NULL && cond_eval(r->resolve_on, ev))
			return rules_won(r, ev, which, RULES_RESOLVE);
	}
	if (which != NULL)
		*which = NULL;
	return RULES_NONE;
}

struct cond *
cond_new(enum cond_kind kind, struct cond *a, struct cond *b)
{
	struct cond *c = xcalloc(1, sizeof(*c));

	c->kind = kind;
	c->a = a;
	c->b = b;
	c->value = STR_EMPTY;
	c->fname = STR_EMPTY;
	return c;
}

struct cond *
cond_field(const char *field, enum cond_op op, const char *value, size_t len, struct regex *re)
{
	struct cond *c = cond_new(COND_FIELD, NULL, NULL);

	c->op = op;
	c->field = xstrdup(field);
	c->fname = cstr(c->field);
	c->field_id = field_id(c->fname);
	c->value = str_make(xstrndup(value, len), len);
	c->re = re;
	return c;
}

void
cond_free(struct cond *c)
{
	if (c == NULL)
		return;
	cond_free(c->a);
	cond_free(c->b);
	/* cond_field() gives every COND_FIELD its own copy of the value. */
	if (c->field != NULL)
		free((char *)c->value.p);
	free(c->field);
	regex_free(c->re);
	free(c);
}

struct rule *
rule_new(const char *name, const char *file, int line)
{
	struct rule *r = xcalloc(1, sizeof(*r));

	r->name = xstrdup(name);
	r->name_len = strlen(name);
	r->file = xstrdup(file);
	r->line = line;
	r->severity = -1;
	r->max_open = RULE_DEFAULT_MAX_OPEN;
	r->counts = xcalloc(1, sizeof(*r->counts));
	r->page_policy = -1;
	return r;
}

void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->file);
	cond_free(r->match);
	cond_free(r->resolve_on);
	template_free(r->key);
	template_free(r->summary);
	template_free(r->component);
	template_free(r->group);
	template_free(r->class_);
	for (size_t i = 0; i < r->group_by.nfields; i++)
		free(r->group_by.fields[i]);
	free(r->group_by.fields);
	free(r->send);
	free(r->counts);
	free(r->page);
	free(r);
}

/* A journal field name (MESSAGE, _SYSTEMD_UNIT): upper case, digits, '_', with a letter. */
static bool
journal_field(struct str name)
{
	bool letter = false;

	if (name.n == 0 || name.n > 64 || (name.p[0] >= '0' && name.p[0] <= '9'))
		return false;
	for (size_t i = 0; i < name.n; i++) {
		char ch = name.p[i];
		if (ch >= 'A' && ch <= 'Z')
			letter = true;
		else if (!(ch >= '0' && ch <= '9') && ch != '_')
			return false;
	}
	return letter;
}

bool
template_field_known(struct str name, const char *const *known, size_t nknown)
{
	static const char *const builtin[] = {
		"host", "program", "pid", "msgid", "message", "source", "facility", "severity",
		"rule", "seq", "trap", "trap-oid", "community", "user", "version", "agent",
		"enterprise", "uptime", EVENT_ORIGINAL_HOST,
	};

	for (size_t i = 0; i < ARRAY_SIZE(builtin); i++)
		if (str_eq_cstr(name, builtin[i]))
			return true;
	if (name.n > 3 && memcmp(name.p, "sd.", 3) == 0)
		return true;
	if ((name.n > 4 && memcmp(name.p, "var.", 4) == 0) || memmem(name.p, name.n, "::", 2))
		return true;
	if (journal_field(name))
		return true;
	for (size_t i = 0; i < nknown; i++)
		if (str_eq_cstr(name, known[i]))
			return true;
	return false;
}

static void
template_add(struct template *t, bool is_field, const char *p, size_t n)
{
	struct template_part *part;

	t->parts = xreallocarray(t->parts, t->nparts + 1, sizeof(*t->parts));
	part = &t->parts[t->nparts++];
	part->is_field = is_field;
	part->text = str_make(xstrndup(p, n), n);
	part->field_id = is_field ? field_id(part->text) : FIELD_NAMED;
}

/* The "{name}" at src[*i]; *i is left after the closing brace. */
static int
template_field(struct template *t, const char *src, size_t *i, const char *const *known,
    size_t nknown, char **cause)
{
	size_t start = *i + 1, end = start;

	while (src[end] != '\0' && src[end] != '}' && src[end] != '{')
		end++;
	if (src[end] != '}') {
		xasprintf(cause, "unterminated '{' at offset %zu", *i);
		return -EINVAL;
	}
	if (end == start) {
		xasprintf(cause, "empty field name '{}' at offset %zu", *i);
		return -EINVAL;
	}
	if (!template_field_known(str_make(src + start, end - start), known, nknown)) {
		xasprintf(cause, "unknown field '{%.*s}'", (int)(end - start), src + start);
		return -EINVAL;
	}
	template_add(t, true, src + start, end - start);
	*i = end + 1;
	return 0;
}

int
template_compile(const char *src, const char *const *known, size_t nknown,
    struct template **ret, char **cause)
{
	struct template *t = xcalloc(1, sizeof(*t));
	size_t len = strlen(src), i = 0, n = 0;
	char *lit = xmalloc(len + 1); /* literal text, with {{ and }} undoubled */
	int r = 0;

	t->source = xstrdup(src);
	while (i < len && r == 0) {
		if ((src[i] == '{' || src[i] == '}') && src[i + 1] == src[i]) {
			lit[n++] = src[i];
			i += 2;
		} else if (src[i] == '}') {
			xasprintf(cause, "unmatched '}' at offset %zu", i);
			r = -EINVAL;
		} else if (src[i] == '{') {
			if (n > 0)
				template_add(t, false, lit, n);
			n = 0;
			r = template_field(t, src, &i, known, nknown, cause);
		} else
			lit[n++] = src[i++];
	}
	if (r == 0 && n > 0)
		template_add(t, false, lit, n);
	free(lit);
	if (r < 0) {
		template_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nparts; i++)
		free((char *)t->parts[i].text.p);
	free(t->parts);
	free(t->source);
	free(t);
}

size_t
template_expand(const struct template *t, const struct event *ev, char *buf, size_t size)
{
	size_t need = 0;

	for (size_t i = 0; i < t->nparts; i++) {
		const struct template_part *part = &t->parts[i];
		struct str s = part->is_field ? field_value(ev, part->field_id, part->text) :
		    part->text;
		if (need + 1 < size) {
			size_t room = size - 1 - need;
			memcpy(buf + need, s.p, s.n < room ? s.n : room);
		}
		need += s.n;
	}
	if (size > 0)
		buf[need < size ? need : size - 1] = '\0';
	if (need >= size && size > 0)
		text_fix_tail(buf); /* a cut never leaves half a character */
	return need;
}
