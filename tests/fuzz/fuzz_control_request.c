/*
 * fuzz_control_request.c - libFuzzer target for the control request
 * parser: any line must parse or fail with a message, never crash or leak;
 * what it accepts must hold the bounds the header promises, and every
 * message must be UTF-8 that jansson can put into a reply.
 */
#include "config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must_encode(const char *text)
{
	json_t *j = json_string(text);

	if (j == NULL)
		abort();
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request rq;
	char *cause = NULL;

	if (control_request_parse((const char *)data, size, &rq, &cause) < 0) {
		if (cause == NULL || rq.key != NULL || rq.note != NULL)
			abort();
		must_encode(cause);
		free(cause);
		return 0;
	}
	if (rq.verb >= CONTROL_NVERBS || (rq.key != NULL && strlen(rq.key) > CONTROL_KEY_MAX) ||
	    (rq.note != NULL && strlen(rq.note) > CONTROL_NOTE_MAX) || rq.limit > CONTROL_LIMIT_MAX)
		abort();
	if (rq.note != NULL)
		must_encode(rq.note);
	control_request_clear(&rq);
	return 0;
}
