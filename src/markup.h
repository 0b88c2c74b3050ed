/*
 * markup.h - text from the network written into Markdown and HTML so that
 * a renderer shows it as it is: nothing in it becomes emphasis, a link, a
 * table cell, a tag or an entity.  Control characters and bytes that are
 * not UTF-8 are repaired first as at ingest (text.h), so neither a
 * terminal nor a browser sees one.  Pure functions over their arguments.
 */
#ifndef TRIAGED_MARKUP_H
#define TRIAGED_MARKUP_H

#include <stdio.h>

/*
 * s as Markdown text (CommonMark and GitHub's extensions): a backslash
 * before every character a renderer acts on inline (\ ` * _ { } [ ] < >
 * # ! | ~ & $ @), before what would begin a block at the start (a
 * list's "-", "+" or "1.", "="), and before the ":" of "://" and the "."
 * of "www." that GitHub would make a link of.  (It links an e-mail
 * address whatever is escaped; its text stays as it was.)  For inline
 * use: in a paragraph, a list item or a table cell, never a code block.
 */
void markup_md(FILE *f, const char *s);

/* s as HTML text, in an element or a quoted attribute: & < > " ' as entities. */
void markup_html(FILE *f, const char *s);

#endif
