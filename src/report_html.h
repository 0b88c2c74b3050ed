/*
 * report_html.h - a report as one self-contained HTML file: inline CSS and
 * SVG, no script, nothing fetched from anywhere (a Content-Security-Policy
 * says so to the browser too), so it reads the same offline, attached to
 * a mail or years later.  Cards with MTTA, MTTR and the noise reduction;
 * bars of events in, incidents and pages out; a heat map of incidents by
 * hour of the week (168 rect.hour-cell); a bar a day (rect.day-bar, and
 * rect.event-bar for the events in); tables of rules and hosts.  Names
 * from the network go through markup_html().  Pure but for writing to f.
 */
#ifndef TRIAGED_REPORT_HTML_H
#define TRIAGED_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

#define REPORT_HTML_ROWS 25 /* rules and hosts listed, the noisiest */

void report_html_write(FILE *f, const struct report *r, int64_t now);

#endif
