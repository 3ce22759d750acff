// Entry points of the Vulkan backend for the rest of the engine. Nothing here needs the
// Vulkan headers or library: Vulkan is loaded at run time, and when it is missing these
// return null / empty with a reason for the user.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "vulkan/device_info.h"

namespace kinglet {

// A Vulkan backend on the device chosen by `device_selector` (an index or a name substring;
// empty: KINGLET_VK_DEVICE, else discrete > integrated > virtual > cpu). Null with *why_not
// set when there is no loader, no device, no match, or the device cannot be set up.
// The returned backend may still throw kinglet::Error from init() (e.g. a weight type the
// shaders do not support); callers fall back to the CPU with that message.
std::unique_ptr<Backend> make_vulkan_backend(const std::string& device_selector, std::string* why_not);

// Every Vulkan device, for `kinglet-cli devices`; empty with *why_not set when none.
std::vector<VulkanDeviceInfo> list_vulkan_devices(std::string* why_not);

}  // namespace kinglet
