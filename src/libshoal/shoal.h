/* shoal.h: the libshoal umbrella header
 *
 * Copyright 2026 The Shoal authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define __SHOAL_H_INSIDE__

#include "shoal-discovery.h"
#include "shoal-discovery-avahi.h"
#include "shoal-discovery-static.h"
#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoal-node.h"
#include "shoal-peer.h"
#include "shoal-reason.h"

#undef __SHOAL_H_INSIDE__
