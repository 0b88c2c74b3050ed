/*
 * rules_explain.c - rule conditions written back in the config's syntax,
 * and the part of one an event failed (see rules_explain.h).  Only
 * `triagectl explain` comes here: nothing on the per-event path.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rules_explain.h"
#include "util.h"

static const char *const op_text[] = {
	[OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<",  [OP_LE] = "<=",
	[OP_GT] = ">", [OP_GE] = ">=", [OP_MATCH] = "~", [OP_NMATCH] = "!~",
};

static const char *const source_names[] = { "syslog", "trap", "journal" };

/* An appender that never overruns and remembers how much was wanted. */
struct out {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;

	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* A string literal as the config lexer reads it back: " and \ escaped. */
static void
put_quoted(struct out *o, struct str s)
{
	put(o, "\"");
	for (size_t i = 0; i < s.n; i++)
		put(o, s.p[i] == '"' || s.p[i] == '\\' ? "\\%c" : "%c", s.p[i]);
	put(o, "\"");
}

static void
put_cidr(struct out *o, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	put(o, "%s/%u", text, c->prefix);
}

static const char *
num_name(const struct cond *c)
{
	if (c->kind == COND_SEVERITY)
		return event_severity_name(c->num);
	if (c->kind == COND_FACILITY)
		return event_facility_name(c->num);
	return c->num >= 0 && (size_t)c->num < ARRAY_SIZE(source_names) ? source_names[c->num] :
									    "?";
}

static void
format_into(struct out *o, const struct cond *c)
{
	switch (c->kind) {
	case COND_TRUE: put(o, "any"); break;
	case COND_AND:
		if (c->a->kind == COND_SOURCE_TYPE) { /* `match trap EXPR`, as written */
			put(o, "%s ", num_name(c->a));
			format_into(o, c->b);
			break;
		}
		/* fall through */
	case COND_OR:
		put(o, "(");
		format_into(o, c->a);
		put(o, c->kind == COND_AND ? " and " : " or ");
		format_into(o, c->b);
		put(o, ")");
		break;
	case COND_NOT: put(o, "not "); format_into(o, c->a); break;
	case COND_SOURCE_TYPE: put(o, "%s", num_name(c)); break;
	case COND_FACILITY:
	case COND_SEVERITY:
		put(o, "%s %s %s", c->kind == COND_FACILITY ? "facility" : "severity",
		    op_text[c->op], num_name(c));
		break;
	case COND_ADDRESS:
		put(o, "source %s ", op_text[c->op]);
		put_cidr(o, &c->cidr);
		break;
	case COND_TRAP_OID:
		put(o, "%s%.*s", c->num ? "under " : "", (int)c->value.n, c->value.p);
		break;
	case COND_VAR: /* var.OID is written as the OID alone */
		put(o, "var %s %s ", strncmp(c->field, "var.", 4) == 0 ? c->field + 4 : c->field,
		    op_text[c->op]);
		put_quoted(o, c->value);
		break;
	case COND_FIELD:
		put(o, "%s %s ", c->field, op_text[c->op]);
		put_quoted(o, c->value);
		break;
	}
}

size_t
cond_format(const struct cond *c, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	format_into(&o, c);
	return o.len;
}

bool
cond_explain(const struct cond *c, struct event *ev, const struct cond **failed)
{
	const struct cond *ignored;
	size_t n = ev->nfields;
	bool held;

	*failed = NULL;
	switch (c->kind) {
	case COND_AND:
		/* The same order and short cut as cond_eval, so captures agree. */
		held = cond_explain(c->a, ev, failed) && cond_explain(c->b, ev, failed);
		break;
	case COND_OR:
		held = cond_explain(c->a, ev, &ignored) || cond_explain(c->b, ev, &ignored);
		break;
	default: held = cond_eval(c, ev); break;
	}
	if (held)
		return true;
	ev->nfields = n; /* as cond_eval: what failed leaves no captures */
	if (*failed == NULL)
		*failed = c;
	return false;
}

size_t
cond_actual(const struct cond *c, const struct event *ev, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	struct str v = STR_EMPTY;

	if (size > 0)
		buf[0] = '\0';
	switch (c->kind) {
	case COND_SOURCE_TYPE:
		put(&o, "%s",
		    (size_t)ev->type < ARRAY_SIZE(source_names) ? source_names[ev->type] : "?");
		break;
	case COND_FACILITY: put(&o, "%s", event_facility_name(ev->facility)); break;
	case COND_SEVERITY: put(&o, "%s", event_severity_name(ev->severity)); break;
	case COND_ADDRESS: put(&o, "%.*s", (int)ev->source.n, ev->source.p); break;
	case COND_TRAP_OID:
	case COND_VAR:
	case COND_FIELD:
		(void)event_get(ev, c->fname, &v);
		put(&o, "%.*s", (int)v.n, v.p);
		break;
	default: break;
	}
	return o.len;
}
