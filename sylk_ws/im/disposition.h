/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file disposition.h  What a message still asks to be told (IMDN)
 *
 * The CPIM header imdn.Disposition-Notification lists the notifications a
 * sender wants ("positive-delivery, display"). The gateway's journal keeps
 * that list per message, compact ("positive-delivery,display"), and drops
 * what has been answered, as SylkServer does: "delivered" answers
 * positive-delivery, "displayed" answers everything.
 */
#ifndef SYLK_IM_DISPOSITION_H
#define SYLK_IM_DISPOSITION_H

#include <stddef.h>

/** Copies @p list to @p out without blanks around the commas; EINVAL when
 *  it does not fit. */
int im_disposition_compact(char *out, size_t size, const char *list);

/** Removes from @p list (compact, in place) what @p state answers. */
void im_disposition_after(char *list, const char *state);

#endif
