/*
 * conf_lex.c - tokenizer for triaged.conf.  Files are read whole (they are
 * small and bounded) and cut into words, quoted strings, operators and
 * braces; newlines matter because they end statements, as in ntpd.conf.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_lex.h"
#include "text.h"
#include "util.h"

static int
read_all(int fd, const char *path, char **ret, size_t *retlen, char **cause)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	ssize_t n;

	for (;;) {
		if (len == cap) {
			/* One byte past the limit is enough to know it is too big. */
			if (cap > LEX_MAX_FILE)
				break;
			cap = cap * 2 > (size_t)LEX_MAX_FILE + 1 ? (size_t)LEX_MAX_FILE + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			xasprintf(cause, "%s: %s", path, strerror(errno));
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > LEX_MAX_FILE) {
		xasprintf(cause, "%s: larger than %d MiB", path, LEX_MAX_FILE / (1024 * 1024));
		free(buf);
		return -EFBIG;
	}
	*ret = buf;
	*retlen = len;
	return 0;
}

static void
lex_init(struct lex *lx, const char *name)
{
	memset(lx, 0, sizeof(*lx));
	lx->file = name;
	lx->line = 1;
}

int
lex_open_file(struct lex *lx, const char *path, char **cause)
{
	struct stat st;
	int fd, r;

	lex_init(lx, path);
	/* O_NONBLOCK so that a FIFO named in an include cannot hang the parser. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		xasprintf(cause, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		xasprintf(cause, "%s: not a regular file", path);
	} else
		r = read_all(fd, path, &lx->buf, &lx->len, cause);
	close(fd);
	return r;
}

int
lex_open_buffer(struct lex *lx, const char *name, const char *buf, size_t len, char **cause)
{
	lex_init(lx, name);
	if (len > LEX_MAX_FILE) {
		xasprintf(cause, "%s: larger than %d MiB", name, LEX_MAX_FILE / (1024 * 1024));
		return -EFBIG;
	}
	lx->buf = xmalloc(len);
	memcpy(lx->buf, buf, len);
	lx->len = len;
	return 0;
}

void
lex_close(struct lex *lx)
{
	free(lx->buf);
	free(lx->tok.text);
	free(lx->ahead.text);
	memset(lx, 0, sizeof(*lx));
}

int
lex_error(const struct lex *lx, int line, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s:%d: %s", lx->file, line, msg);
	free(msg);
	return -EINVAL;
}

/* Append c to t, refusing to grow a token past LEX_MAX_TOKEN. */
static int
tok_put(struct lex *lx, struct token *t, char c, char **cause)
{
	if (t->len >= LEX_MAX_TOKEN)
		return lex_error(lx, t->line, cause, "token longer than %d bytes", LEX_MAX_TOKEN);
	if (t->len + 1 >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->text = xreallocarray(t->text, t->cap, 1);
	}
	t->text[t->len++] = c;
	t->text[t->len] = '\0';
	return 0;
}

static bool
is_word_char(int c)
{
	if (isalnum(c))
		return true;
	/* '[' and ']' so that [::1]:514 needs no quotes; ',' for lists like mon,wed. */
	switch (c) {
	case '_': case '.': case '@': case ':': case '/': case '-': case '*': case '+':
	case '[': case ']': case ',':
		return true;
	default:
		return false;
	}
}

static int
peekc(const struct lex *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->buf[lx->pos + off] : -1;
}

/* Skip blanks, comments and backslash-newline continuations. */
static void
skip_blank(struct lex *lx)
{
	int c;

	while ((c = peekc(lx, 0)) != -1) {
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
			lx->pos++;
		else if (c == '\\' && peekc(lx, 1) == '\n') {
			lx->pos += 2;
			lx->line++;
		} else if (c == '#') {
			while ((c = peekc(lx, 0)) != -1 && c != '\n')
				lx->pos++;
		} else
			break;
	}
}

static int
lex_string(struct lex *lx, struct token *t, char **cause)
{
	int c, r;

	t->type = TOK_STRING;
	lx->pos++; /* the opening quote */
	for (;;) {
		c = peekc(lx, 0);
		if (c == -1 || c == '\n')
			return lex_error(lx, t->line, cause, "unterminated quoted string");
		if (c == '\0')
			return lex_error(lx, t->line, cause, "NUL byte in quoted string");
		lx->pos++;
		if (c == '"') {
			/* Strings reach rules, keys and every output: the same text rules as input. */
			if (!text_is_utf8(t->text, t->len))
				return lex_error(lx, t->line, cause,
				    "quoted string is not valid UTF-8 (save the file as UTF-8)");
			return 0;
		}
		if (c == '\\') {
			/*
			 * Unknown escapes keep their backslash, so regexes such
			 * as "\S+" or "\d" can be written as they are.
			 */
			int n = peekc(lx, 0);
			if (n == '"' || n == '\\' || n == 'n' || n == 't') {
				lx->pos++;
				c = n == 'n' ? '\n' : n == 't' ? '\t' : n;
			}
		}
		if ((r = tok_put(lx, t, (char)c, cause)) < 0)
			return r;
	}
}

static int
lex_word(struct lex *lx, struct token *t, char **cause)
{
	int c, r;

	t->type = TOK_WORD;
	while ((c = peekc(lx, 0)) != -1 && is_word_char(c)) {
		if ((r = tok_put(lx, t, (char)c, cause)) < 0)
			return r;
		lx->pos++;
	}
	return 0;
}

/* One- or two-character operators; returns false when c starts none. */
static bool
lex_operator(struct lex *lx, struct token *t, int c)
{
	bool eq = peekc(lx, 1) == '=';

	switch (c) {
	case '=': t->type = TOK_EQ; break;
	case '~': t->type = TOK_MATCH; break;
	case '<': t->type = eq ? TOK_LE : TOK_LT; break;
	case '>': t->type = eq ? TOK_GE : TOK_GT; break;
	case '!':
		if (eq)
			t->type = TOK_NE;
		else if (peekc(lx, 1) == '~')
			t->type = TOK_NMATCH;
		else
			return false;
		break;
	case '{': t->type = TOK_LBRACE; break;
	case '}': t->type = TOK_RBRACE; break;
	case '(': t->type = TOK_LPAREN; break;
	case ')': t->type = TOK_RPAREN; break;
	case ';': case '\n': t->type = TOK_END; break;
	default:
		return false;
	}
	lx->pos += t->type == TOK_LE || t->type == TOK_GE || t->type == TOK_NE ||
	    t->type == TOK_NMATCH ? 2 : 1;
	return true;
}

static int
lex_scan(struct lex *lx, struct token *t, char **cause)
{
	int c;

	skip_blank(lx);
	if (t->cap == 0) {
		t->cap = 64;
		t->text = xmalloc(t->cap);
	}
	t->len = 0;
	t->text[0] = '\0';
	t->line = lx->line;
	c = peekc(lx, 0);
	if (c == -1) {
		t->type = TOK_EOF;
		return 0;
	}
	if (c == '"')
		return lex_string(lx, t, cause);
	if (is_word_char(c))
		return lex_word(lx, t, cause);
	if (lex_operator(lx, t, c)) {
		if (c == '\n')
			lx->line++;
		/* Keep the text so messages can tell ';' from a newline. */
		return tok_put(lx, t, (char)c, cause);
	}
	if (isprint(c))
		return lex_error(lx, t->line, cause, "unexpected character '%c'", c);
	return lex_error(lx, t->line, cause, "unexpected byte 0x%02x", (unsigned)c);
}

int
lex_next(struct lex *lx, char **cause)
{
	if (lx->peeked) {
		/* Swap rather than copy so neither buffer is reallocated. */
		struct token tmp = lx->tok;
		lx->tok = lx->ahead;
		lx->ahead = tmp;
		lx->peeked = false;
		return 0;
	}
	return lex_scan(lx, &lx->tok, cause);
}

int
lex_peek(struct lex *lx, const struct token **t, char **cause)
{
	int r;

	if (!lx->peeked) {
		if ((r = lex_scan(lx, &lx->ahead, cause)) < 0)
			return r;
		lx->peeked = true;
	}
	*t = &lx->ahead;
	return 0;
}

int
lex_skip_ends(struct lex *lx, char **cause)
{
	const struct token *t;
	int r;

	for (;;) {
		if ((r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (t->type != TOK_END)
			return 0;
		if ((r = lex_next(lx, cause)) < 0)
			return r;
	}
}

static const char *
tok_name(enum tok type)
{
	switch (type) {
	case TOK_EOF: return "end of file";
	case TOK_END: return "end of line";
	case TOK_WORD: return "a word";
	case TOK_STRING: return "a quoted string";
	case TOK_LBRACE: return "'{'";
	case TOK_RBRACE: return "'}'";
	case TOK_LPAREN: return "'('";
	case TOK_RPAREN: return "')'";
	case TOK_EQ: return "'='";
	case TOK_NE: return "'!='";
	case TOK_LT: return "'<'";
	case TOK_LE: return "'<='";
	case TOK_GT: return "'>'";
	case TOK_GE: return "'>='";
	case TOK_MATCH: return "'~'";
	case TOK_NMATCH: return "'!~'";
	}
	return "?";
}

void
tok_describe(const struct token *t, char *buf, size_t size)
{
	const size_t max = 40;
	size_t off = 0;
	char q = t->type == TOK_STRING ? '"' : '\'';

	if (size == 0)
		return;
	if ((t->type != TOK_WORD && t->type != TOK_STRING && t->type != TOK_END) ||
	    (t->type == TOK_END && strcmp(t->text, ";") != 0)) {
		strlcpy_t(buf, tok_name(t->type), size);
		return;
	}
	off += (size_t)snprintf(buf, size, "%c", q);
	/* Escape what a terminal should not see: the text may be any bytes. */
	for (size_t i = 0; i < t->len && i < max && off < size; i++) {
		unsigned char c = (unsigned char)t->text[i];
		int n = isprint(c) && c != '\\' && c != '"' ?
		    snprintf(buf + off, size - off, "%c", c) :
		    snprintf(buf + off, size - off, "\\x%02x", c);
		off += (size_t)n;
	}
	if (off < size)
		snprintf(buf + off, size - off, "%s%c", t->len > max ? "..." : "", q);
}

bool
tok_is_word(const struct token *t, const char *word)
{
	return t->type == TOK_WORD && strcmp(t->text, word) == 0;
}

int
lex_expect(struct lex *lx, enum tok type, char **cause)
{
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (lx->tok.type == type)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected %s, got %s", tok_name(type), got);
}

int
lex_expect_end(struct lex *lx, char **cause)
{
	const struct token *t;
	char got[256];
	int r;

	if ((r = lex_peek(lx, &t, cause)) < 0)
		return r;
	if (t->type == TOK_RBRACE || t->type == TOK_EOF)
		return 0;
	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (lx->tok.type == TOK_END)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected end of statement, got %s", got);
}

/* Consume a word or string argument into lx->tok; what names it in the message. */
static int
expect_arg(struct lex *lx, const char *what, char **cause)
{
	char got[256];
	int r;

	if ((r = lex_next(lx, cause)) < 0)
		return r;
	if (lx->tok.type == TOK_WORD || lx->tok.type == TOK_STRING)
		return 0;
	tok_describe(&lx->tok, got, sizeof(got));
	return lex_error(lx, lx->tok.line, cause, "expected %s, got %s", what, got);
}

int
lex_expect_string(struct lex *lx, const char *what, char **out, char **cause)
{
	int r;

	if ((r = expect_arg(lx, what, cause)) < 0)
		return r;
	*out = xstrndup(lx->tok.text, lx->tok.len);
	return 0;
}

int
lex_expect_duration(struct lex *lx, const char *what, int64_t min, int64_t *out, char **cause)
{
	char got[256], m[32];
	int r;

	if ((r = expect_arg(lx, "a duration like 30s", cause)) < 0)
		return r;
	tok_describe(&lx->tok, got, sizeof(got));
	if (parse_duration(lx->tok.text, out) < 0)
		return lex_error(lx, lx->tok.line, cause, "expected a duration like 30s, got %s", got);
	if (*out < min) {
		format_duration(min, m, sizeof(m));
		return lex_error(lx, lx->tok.line, cause, "%s must be at least %s, got %s", what, m,
		    got);
	}
	return 0;
}

/* The inverse of parse_size() for the round numbers limits are made of. */
static void
format_size(uint64_t v, char *buf, size_t size)
{
	static const char sfx[] = "GMK";
	uint64_t mul = 1024ULL * 1024 * 1024;

	for (size_t i = 0; i < 3; i++, mul /= 1024) {
		if (v >= mul && v % mul == 0) {
			snprintf(buf, size, "%llu%c", (unsigned long long)(v / mul), sfx[i]);
			return;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
}

int
lex_expect_size(struct lex *lx, const char *what, uint64_t min, uint64_t max, uint64_t *out,
    char **cause)
{
	char got[256];
	int r;

	if ((r = expect_arg(lx, "a size like 64K", cause)) < 0)
		return r;
	tok_describe(&lx->tok, got, sizeof(got));
	r = parse_size(lx->tok.text, out);
	if (r == -EINVAL)
		return lex_error(lx, lx->tok.line, cause, "expected a size like 64K, got %s", got);
	if (r < 0 || *out < min || *out > max) {
		char lo[32], hi[32];
		format_size(min, lo, sizeof(lo));
		format_size(max, hi, sizeof(hi));
		return lex_error(lx, lx->tok.line, cause, "%s must be between %s and %s, got %s",
		    what, lo, hi, got);
	}
	return 0;
}

int
lex_expect_int(struct lex *lx, const char *what, int64_t min, int64_t max, int64_t *out,
    char **cause)
{
	char got[256];
	int r;

	if ((r = expect_arg(lx, "a number", cause)) < 0)
		return r;
	tok_describe(&lx->tok, got, sizeof(got));
	r = parse_int64(lx->tok.text, min, max, out);
	if (r == -EINVAL)
		return lex_error(lx, lx->tok.line, cause, "expected a number, got %s", got);
	if (r < 0)
		return lex_error(lx, lx->tok.line, cause, "%s must be between %lld and %lld, got %s",
		    what, (long long)min, (long long)max, got);
	return 0;
}

char *
lex_file_relative(const struct lex *lx, const char *path)
{
	const char *slash = strrchr(lx->file, '/');
	char *ret;

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	xasprintf(&ret, "%.*s/%s", (int)(slash - lx->file), lx->file, path);
	return ret;
}

/* "./a" is "a", "a/./b" is "a/b", "a/." is "a": paths as people write them, for messages. */
static void
drop_dot_segments(char *s)
{
	char *p;
	size_t n;

	while (s[0] == '.' && s[1] == '/')
		memmove(s, s + 2, strlen(s + 2) + 1);
	while ((p = strstr(s, "/./")) != NULL)
		memmove(p, p + 2, strlen(p + 2) + 1);
	n = strlen(s);
	if (n > 2 && strcmp(s + n - 2, "/.") == 0)
		s[n - 2] = '\0';
}

int
lex_resolve_path(const struct lex *lx, const char *path, char **ret, char **cause)
{
	char cwd[PATH_MAX], *rel = lex_file_relative(lx, path);

	drop_dot_segments(rel);
	if (rel[0] == '/') {
		*ret = rel;
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		free(rel);
		return lex_error(lx, lx->tok.line, cause, "cannot make %s absolute: %s", path,
		    strerror(errno));
	}
	if (strcmp(rel, ".") == 0 || rel[0] == '\0')
		*ret = xstrdup(cwd);
	else
		xasprintf(ret, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, rel);
	free(rel);
	return 0;
}

static int
keyword_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct lex_keyword *)elem)->name);
}

int
lex_keyword(struct lex *lx, const struct lex_keyword *kw, size_t n,
    const struct lex_keyword **found, char **cause)
{
	char got[256], *list = NULL, *tmp;
	int r;

	tok_describe(&lx->tok, got, sizeof(got));
	if (lx->tok.type != TOK_WORD)
		return lex_error(lx, lx->tok.line, cause, "expected a keyword, got %s", got);
	*found = bsearch(lx->tok.text, kw, n, sizeof(*kw), keyword_cmp);
	if (*found != NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		xasprintf(&tmp, "%s%s%s", list ? list : "", list ? ", " : "", kw[i].name);
		free(list);
		list = tmp;
	}
	r = lex_error(lx, lx->tok.line, cause, "unknown keyword %s, expected one of: %s", got,
	    list ? list : "");
	free(list);
	return r;
}

int
lex_statement(struct lex *lx, const struct lex_keyword *kw, size_t n, void *ctx,
    char **cause)
{
	const struct lex_keyword *k;
	int r;

	if ((r = lex_next(lx, cause)) < 0 || (r = lex_keyword(lx, kw, n, &k, cause)) < 0)
		return r;
	if ((r = k->fn(lx, ctx, cause)) < 0)
		return r;
	return lex_expect_end(lx, cause);
}

int
lex_block(struct lex *lx, const struct lex_keyword *kw, size_t n, void *ctx,
    const char *what, char **cause)
{
	const struct token *t;
	int line = lx->tok.line, r;

	for (;;) {
		if ((r = lex_skip_ends(lx, cause)) < 0 || (r = lex_peek(lx, &t, cause)) < 0)
			return r;
		if (t->type == TOK_RBRACE)
			return lex_next(lx, cause);
		if (t->type == TOK_EOF)
			return lex_error(lx, t->line, cause,
			    "unexpected end of file in %s (opened at line %d), expected '}'", what,
			    line);
		if ((r = lex_statement(lx, kw, n, ctx, cause)) < 0)
			return r;
	}
}

/* A path argument resolved as lex_resolve_path(); max bounds the result (0: none). */
int
lex_expect_path(struct lex *lx, const char *what, size_t max, char **ret, char **cause)
{
	char *s;
	int r;

	if ((r = lex_expect_string(lx, what, &s, cause)) < 0)
		return r;
	if (s[0] == '\0')
		r = lex_error(lx, lx->tok.line, cause, "%s must not be empty", what);
	else
		r = lex_resolve_path(lx, s, ret, cause);
	free(s);
	if (r == 0 && max > 0 && strlen(*ret) > max) {
		r = lex_error(lx, lx->tok.line, cause, "%s %s is longer than %zu bytes", what, *ret,
		    max);
		free(*ret);
		*ret = NULL;
	}
	return r;
}

int
lex_placed(struct lex *lx, int r, char **why, char **cause)
{
	if (r < 0) {
		lex_error(lx, lx->tok.line, cause, "%s", *why);
		free(*why);
		*why = NULL;
	}
	return r;
}
