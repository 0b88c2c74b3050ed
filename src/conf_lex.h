/*
 * conf_lex.h - the tokenizer of the configuration language, with file:line
 * tracking, and the token-level helpers the parser (conf.c, conf_rule.c)
 * shares: "expect a string", "expect a duration", error messages.
 */
#ifndef TRIAGED_CONF_LEX_H
#define TRIAGED_CONF_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEX_MAX_TOKEN (64 * 1024)	 /* bytes in one word or string */
#define LEX_MAX_FILE  (16 * 1024 * 1024) /* bytes in one file */
#define LEX_MAX_DEPTH 16		 /* include nesting */

enum tok {
	TOK_EOF = 0,
	TOK_END, /* newline or ';': the end of a statement */
	TOK_WORD,
	TOK_STRING, /* double-quoted, escapes decoded */
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_EQ, /* = */
	TOK_NE, /* != */
	TOK_LT,
	TOK_LE,
	TOK_GT,
	TOK_GE,
	TOK_MATCH,  /* ~ */
	TOK_NMATCH, /* !~ */
};

struct token {
	enum tok type;
	int line;
	char *text; /* NUL-terminated; owned by the lexer, valid until the next lex_next() */
	size_t len;
	size_t cap;
};

struct lex {
	const char *file; /* for messages; borrowed, must outlive the lexer */
	char *buf;	  /* the whole file, owned */
	size_t len, pos;
	int line;
	bool peeked;
	struct token tok;   /* the current token, after lex_next() */
	struct token ahead; /* the lookahead, after lex_peek() */
};

/* Read path (a regular file of at most LEX_MAX_FILE bytes); -errno and *cause on failure. */
int lex_open_file(struct lex *lx, const char *path, char **cause);
/* Lex a copy of buf; name is used in messages and must outlive the lexer. */
int lex_open_buffer(struct lex *lx, const char *name, const char *buf, size_t len, char **cause);
void lex_close(struct lex *lx);

/* Advance to the next token (in lx->tok); 0 or -EINVAL with "FILE:LINE: ..." in *cause. */
int lex_next(struct lex *lx, char **cause);
/* Look at the token after lx->tok without consuming it. */
int lex_peek(struct lex *lx, const struct token **t, char **cause);
/* Skip statement ends (blank lines, stray ';'); leaves the next token to be peeked. */
int lex_skip_ends(struct lex *lx, char **cause);

/* Set *cause to "FILE:LINE: message" and return -EINVAL. */
int lex_error(const struct lex *lx, int line, char **cause, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A token for messages: 'word', "string" (shortened, escaped), '{', end of line ... */
void tok_describe(const struct token *t, char *buf, size_t size);
bool tok_is_word(const struct token *t, const char *word);

/*
 * Statement helpers: each consumes one token and checks it.  A string
 * argument may be quoted or a bare word; what names the argument in messages.
 */
int lex_expect(struct lex *lx, enum tok type, char **cause);
int lex_expect_end(struct lex *lx, char **cause); /* END, EOF, or a '}' left unconsumed */
int lex_expect_string(struct lex *lx, const char *what, char **out, char **cause);
int lex_expect_duration(struct lex *lx, const char *what, int64_t min, int64_t *out, char **cause);
int lex_expect_size(struct lex *lx, const char *what, uint64_t min, uint64_t max, uint64_t *out,
    char **cause);
int lex_expect_int(struct lex *lx, const char *what, int64_t min, int64_t max, int64_t *out,
    char **cause);

/*
 * A path argument's file: a relative path is taken from the directory of
 * the file being read (a copy; as written when the text came from memory
 * under a name without '/').
 */
char *lex_file_relative(const struct lex *lx, const char *path);
/*
 * The one rule for every path in the configuration: path taken from the
 * directory of the file being read (lex_file_relative), then made absolute
 * from the current directory, since the daemon may chdir later.
 */
int lex_resolve_path(const struct lex *lx, const char *path, char **ret, char **cause);

/* A sorted table of statements: the handler reads the keyword's arguments. */
struct lex_keyword {
	const char *name;
	int (*fn)(struct lex *lx, void *ctx, char **cause);
};

/*
 * Find lx->tok in kw (sorted by name, n entries); an unknown word is an
 * error listing the names expected, as "unknown keyword 'x', expected ...".
 */
int lex_keyword(struct lex *lx, const struct lex_keyword *kw, size_t n,
    const struct lex_keyword **found, char **cause);
/* One statement: read a keyword, run its handler, expect the end of it. */
int lex_statement(struct lex *lx, const struct lex_keyword *kw, size_t n, void *ctx,
    char **cause);
/* "{ statement ... }", the '{' already read; what names the block in messages. */
int lex_block(struct lex *lx, const struct lex_keyword *kw, size_t n, void *ctx,
    const char *what, char **cause);

/*
 * r as it is; when it is an error, *why (a phrase from a parser of words,
 * such as maintenance.c's) becomes *cause at the current token, and is freed.
 */
int lex_placed(struct lex *lx, int r, char **why, char **cause);

/* A path argument resolved as lex_resolve_path(); max bounds the result (0: none). */
int lex_expect_path(struct lex *lx, const char *what, size_t max, char **ret, char **cause);

#endif
