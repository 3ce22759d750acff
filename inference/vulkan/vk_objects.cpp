#include "vulkan/vk_objects.h"

// Vulkan structs are written as {sType} with the other members zeroed on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <cstring>
#include <utility>

#include "util/error.h"
#include "vulkan/spirv.h"

namespace kinglet::vk {

std::pair<VkMemoryPropertyFlags, VkMemoryPropertyFlags> Buffer::memory_properties(Kind kind) {
    const VkMemoryPropertyFlags mapped = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    switch (kind) {
        case Kind::DeviceLocal: return {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0};
        case Kind::HostVisible: return {mapped, VK_MEMORY_PROPERTY_HOST_CACHED_BIT};
        case Kind::HostWritten: return {mapped, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT};
    }
    return {mapped, 0};
}

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
    const auto [required, preferred] = memory_properties(kind);
    mai.memoryTypeIndex = dev.memory_type(req.memoryTypeBits, required, preferred);
    const VkResult r = f.vkAllocateMemory(dev.handle(), &mai, nullptr, &memory_);
    if (r != VK_SUCCESS) {
        reset();
        check(r, ("allocating " + std::to_string(bytes >> 20) + " MiB").c_str());
    }
    check(f.vkBindBufferMemory(dev.handle(), buffer_, memory_, 0), "vkBindBufferMemory");
    if (kind != Kind::DeviceLocal) check(f.vkMapMemory(dev.handle(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
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
                   uint32_t write_mask, const std::vector<uint32_t>& spec, const std::string& label)
    : dev_(dev), name_(label.empty() ? shader : shader + " " + label), n_bindings_(n_bindings), push_bytes_(push_bytes),
      write_mask_(write_mask) {
    const Functions& f = dev.fn();
    const SpirvBlob* blob = find_spirv(shader);
    if (!blob) throw Error("Vulkan: shader " + shader + " is not embedded in this build");
    if (n_bindings > kMaxBindings) throw Error("Vulkan: shader " + shader + " binds more buffers than kMaxBindings");
    VkDescriptorSetLayoutBinding b[kMaxBindings]{};
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
    std::vector<VkSpecializationMapEntry> entries;
    for (uint32_t i = 0; i < spec.size(); ++i) entries.push_back({i, uint32_t(i * sizeof(uint32_t)), sizeof(uint32_t)});
    const VkSpecializationInfo spec_info{uint32_t(entries.size()), entries.data(), spec.size() * sizeof(uint32_t), spec.data()};
    if (!spec.empty()) cpi.stage.pSpecializationInfo = &spec_info;
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

}  // namespace kinglet::vk
