#include "vulkan/vk_objects.h"

// Vulkan structs are written as {sType} with the other members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <cstring>
#include <utility>

#include "util/error.h"
#include "vulkan/spirv.h"

namespace kinglet::vk {

Buffer::Buffer(const VulkanDevice& dev, size_t bytes, Kind kind) : dev_(&dev), size_(std::max<size_t>(bytes, 4)) {
    const Functions& f = dev.fn();
    VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = size_;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(f.vkCreateBuffer(dev.handle(), &bci, nullptr, &buffer_), "vkCreateBuffer");
    VkMemoryRequirements req{};
    f.vkGetBufferMemoryRequirements(dev.handle(), buffer_, &req);
    VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    if (kind == Kind::DeviceLocal) {
        mai.memoryTypeIndex = dev.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    } else {
        mai.memoryTypeIndex = dev.memory_type(
            req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
            VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    }
    const VkResult r = f.vkAllocateMemory(dev.handle(), &mai, nullptr, &memory_);
    if (r != VK_SUCCESS) {
        reset();
        check(r, ("allocating " + std::to_string(bytes >> 20) + " MiB").c_str());
    }
    check(f.vkBindBufferMemory(dev.handle(), buffer_, memory_, 0), "vkBindBufferMemory");
    if (kind == Kind::HostVisible) check(f.vkMapMemory(dev.handle(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
    if (this != &o) {
        reset();
        dev_ = o.dev_;
        buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
        memory_ = std::exchange(o.memory_, VK_NULL_HANDLE);
        size_ = std::exchange(o.size_, 0);
        mapped_ = std::exchange(o.mapped_, nullptr);
    }
    return *this;
}

void Buffer::reset() {
    if (!dev_) return;
    const Functions& f = dev_->fn();
    if (mapped_) f.vkUnmapMemory(dev_->handle(), memory_);
    if (buffer_) f.vkDestroyBuffer(dev_->handle(), buffer_, nullptr);
    if (memory_) f.vkFreeMemory(dev_->handle(), memory_, nullptr);
    buffer_ = VK_NULL_HANDLE;
    memory_ = VK_NULL_HANDLE;
    mapped_ = nullptr;
}

Pipeline::Pipeline(const VulkanDevice& dev, const std::string& shader, uint32_t n_bindings, uint32_t push_bytes,
                   uint32_t write_mask, uint32_t spec_value, const std::string& label)
    : dev_(dev), name_(label.empty() ? shader : shader + " " + label), n_bindings_(n_bindings), push_bytes_(push_bytes),
      write_mask_(write_mask) {
    const Functions& f = dev.fn();
    const SpirvBlob* blob = find_spirv(shader);
    if (!blob) throw Error("Vulkan: shader " + shader + " is not embedded in this build");
    VkDescriptorSetLayoutBinding b[8]{};
    for (uint32_t i = 0; i < n_bindings; ++i) {
        b[i].binding = i;
        b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        b[i].descriptorCount = 1;
        b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dl.bindingCount = n_bindings;
    dl.pBindings = b;
    check(f.vkCreateDescriptorSetLayout(dev.handle(), &dl, nullptr, &set_layout_), "vkCreateDescriptorSetLayout");
    VkPushConstantRange pcr{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &set_layout_;
    pl.pushConstantRangeCount = push_bytes ? 1 : 0;
    pl.pPushConstantRanges = &pcr;
    check(f.vkCreatePipelineLayout(dev.handle(), &pl, nullptr, &layout_), "vkCreatePipelineLayout");
    VkShaderModuleCreateInfo smi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smi.codeSize = blob->n_words * 4;
    smi.pCode = blob->words;
    VkShaderModule module = VK_NULL_HANDLE;
    check(f.vkCreateShaderModule(dev.handle(), &smi, nullptr, &module), ("creating shader " + shader).c_str());
    VkComputePipelineCreateInfo cpi{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpi.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpi.stage.module = module;
    cpi.stage.pName = "main";
    const VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
    const VkSpecializationInfo spec{1, &entry, sizeof(uint32_t), &spec_value};
    if (spec_value != kNoSpec) cpi.stage.pSpecializationInfo = &spec;
    cpi.layout = layout_;
    const VkResult r = f.vkCreateComputePipelines(dev.handle(), VK_NULL_HANDLE, 1, &cpi, nullptr, &pipeline_);
    f.vkDestroyShaderModule(dev.handle(), module, nullptr);
    check(r, ("creating pipeline " + shader).c_str());
}

Pipeline::~Pipeline() {
    const Functions& f = dev_.fn();
    if (pipeline_) f.vkDestroyPipeline(dev_.handle(), pipeline_, nullptr);
    if (layout_) f.vkDestroyPipelineLayout(dev_.handle(), layout_, nullptr);
    if (set_layout_) f.vkDestroyDescriptorSetLayout(dev_.handle(), set_layout_, nullptr);
}

CommandSequence::CommandSequence(const VulkanDevice& dev) : dev_(dev), profiler_(DispatchProfiler::create_if_enabled(dev)) {
    const Functions& f = dev.fn();
    VkCommandPoolCreateInfo cpi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    cpi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    cpi.queueFamilyIndex = dev.queue_family();
    check(f.vkCreateCommandPool(dev.handle(), &cpi, nullptr, &pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = pool_;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    check(f.vkAllocateCommandBuffers(dev.handle(), &cai, &cmd_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(f.vkCreateFence(dev.handle(), &fci, nullptr, &fence_), "vkCreateFence");
}

CommandSequence::~CommandSequence() {
    const Functions& f = dev_.fn();
    f.vkDeviceWaitIdle(dev_.handle());
    if (fence_) f.vkDestroyFence(dev_.handle(), fence_, nullptr);
    for (VkDescriptorPool dp : descriptor_pools_) f.vkDestroyDescriptorPool(dev_.handle(), dp, nullptr);
    if (pool_) f.vkDestroyCommandPool(dev_.handle(), pool_, nullptr);
}

VkCommandBuffer CommandSequence::begin() {
    if (!recording_) {
        VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
        bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
        check(dev_.fn().vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
        recording_ = true;
        if (profiler_) profiler_->begin(cmd_);
    }
    return cmd_;
}

// A global memory barrier: every write recorded before it is visible to every command after.
void CommandSequence::barrier() {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    dev_.fn().vkCmdPipelineBarrier(cmd_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    written_.clear();
    read_.clear();
    ++n_barriers_;
}

// Read after write, write after write and write after read need a barrier; read after read
// does not. Tracked per buffer (not per range): conservative and simple.
void CommandSequence::order_access(VkBuffer buffer, bool write) {
    const auto has = [buffer](const std::vector<VkBuffer>& v) { return std::find(v.begin(), v.end(), buffer) != v.end(); };
    if (has(written_) || (write && has(read_))) barrier();
}

void CommandSequence::note_access(VkBuffer buffer, bool write) { (write ? written_ : read_).push_back(buffer); }

void CommandSequence::forget_descriptors() {
    submit_and_wait();
    const Functions& f = dev_.fn();
    for (VkDescriptorPool dp : descriptor_pools_) f.vkDestroyDescriptorPool(dev_.handle(), dp, nullptr);
    descriptor_pools_.clear();
    sets_.clear();
    sets_in_last_pool_ = kSetsPerPool;
}

VkDescriptorSet CommandSequence::descriptor_set(const Pipeline& p, std::initializer_list<BufferRange> bindings) {
    SetKey key{};
    key[0] = uint64_t(reinterpret_cast<uintptr_t>(p.set_layout()));
    size_t k = 1;
    for (const BufferRange& r : bindings) {
        key[k++] = uint64_t(reinterpret_cast<uintptr_t>(r.buffer));
        key[k++] = r.offset;
        key[k++] = r.range;
    }
    if (auto it = sets_.find(key); it != sets_.end()) return it->second;
    if (sets_.size() >= kMaxCachedSets) forget_descriptors();  // bounded even for odd callers
    const Functions& f = dev_.fn();
    if (sets_in_last_pool_ == kSetsPerPool) {
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * 8};
        VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        dpi.maxSets = kSetsPerPool;
        dpi.poolSizeCount = 1;
        dpi.pPoolSizes = &size;
        VkDescriptorPool dp = VK_NULL_HANDLE;
        check(f.vkCreateDescriptorPool(dev_.handle(), &dpi, nullptr, &dp), "vkCreateDescriptorPool");
        descriptor_pools_.push_back(dp);
        sets_in_last_pool_ = 0;
    }
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = descriptor_pools_.back();
    ai.descriptorSetCount = 1;
    VkDescriptorSetLayout layout = p.set_layout();
    ai.pSetLayouts = &layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(f.vkAllocateDescriptorSets(dev_.handle(), &ai, &set), "vkAllocateDescriptorSets");
    ++sets_in_last_pool_;
    VkDescriptorBufferInfo infos[8];
    VkWriteDescriptorSet writes[8];
    uint32_t i = 0;
    for (const BufferRange& r : bindings) {
        infos[i] = {r.buffer, r.offset, r.range};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = set;
        writes[i].dstBinding = i;
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
        ++i;
    }
    f.vkUpdateDescriptorSets(dev_.handle(), i, writes, 0, nullptr);
    sets_.emplace(key, set);
    return set;
}

void CommandSequence::dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                               uint32_t gx, uint32_t gy, uint32_t gz) {
    if (bindings.size() != p.n_bindings() || bindings.size() > 8) throw Error("Vulkan: wrong binding count for " + p.name());
    if (gx == 0 || gy == 0 || gz == 0) return;
    const VkDescriptorSet set = descriptor_set(p, bindings);
    const Functions& f = dev_.fn();
    VkCommandBuffer cmd = begin();
    uint32_t i = 0;
    for (const BufferRange& r : bindings) order_access(r.buffer, p.writes(i++));
    i = 0;
    for (const BufferRange& r : bindings) note_access(r.buffer, p.writes(i++));
    f.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.handle());
    f.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0, 1, &set, 0, nullptr);
    if (p.push_bytes()) f.vkCmdPushConstants(cmd, p.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, p.push_bytes(), push);
    f.vkCmdDispatch(cmd, gx, gy, gz);
    if (profiler_) profiler_->after_dispatch(cmd, p.name());
    ++n_dispatches_;
}

void CommandSequence::copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes) {
    VkCommandBuffer cmd = begin();
    order_access(src.handle(), false);
    order_access(dst.handle(), true);
    note_access(src.handle(), false);
    note_access(dst.handle(), true);
    VkBufferCopy region{src_offset, dst_offset, bytes};
    dev_.fn().vkCmdCopyBuffer(cmd, src.handle(), dst.handle(), 1, &region);
}

void CommandSequence::submit_and_wait() {
    if (!recording_) return;
    const Functions& f = dev_.fn();
    recording_ = false;
    // The host reads results (logits, downloads) once the fence says the work is done:
    // make the device's writes visible to it.
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    f.vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                           VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    written_.clear();
    read_.clear();
    check(f.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd_;
    check(f.vkQueueSubmit(dev_.queue(), 1, &si, fence_), "vkQueueSubmit");
    const VkResult r = f.vkWaitForFences(dev_.handle(), 1, &fence_, VK_TRUE, UINT64_MAX);
    check(r, "waiting for the GPU");
    check(f.vkResetFences(dev_.handle(), 1, &fence_), "vkResetFences");
    if (profiler_) profiler_->collect();
    check(f.vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
}

namespace {
constexpr size_t kStagingBytes = size_t(32) << 20;
}

void upload(const VulkanDevice& dev, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes) {
    Buffer staging(dev, std::min(bytes, kStagingBytes), Buffer::Kind::HostVisible);
    CommandSequence seq(dev);
    for (size_t done = 0; done < bytes; done += kStagingBytes) {
        const size_t n = std::min(kStagingBytes, bytes - done);
        std::memcpy(staging.mapped(), static_cast<const uint8_t*>(src) + done, n);
        seq.copy(staging, 0, dst, dst_offset + done, n);
        seq.submit_and_wait();
    }
}

void download(const VulkanDevice& dev, const Buffer& src, size_t src_offset, void* dst, size_t bytes) {
    Buffer staging(dev, std::min(bytes, kStagingBytes), Buffer::Kind::HostVisible);
    CommandSequence seq(dev);
    for (size_t done = 0; done < bytes; done += kStagingBytes) {
        const size_t n = std::min(kStagingBytes, bytes - done);
        seq.copy(src, src_offset + done, staging, 0, n);
        seq.submit_and_wait();
        std::memcpy(static_cast<uint8_t*>(dst) + done, staging.mapped(), n);
    }
}

}  // namespace kinglet::vk
