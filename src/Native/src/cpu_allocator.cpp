// The caching CPU allocator libtorch uses for every CPU tensor once the shim loads.
//
// Why: libtorch's own CPU allocator is plain malloc, and glibc serves every block of 32 MiB or more with
// mmap and returns it with munmap on free (M_MMAP_THRESHOLD cannot be raised past 32 MiB). A training step
// frees its activations and gradients and allocates the same sizes again in the next step, so each of those
// tensors is page-faulted in anew every step: a 3x3 64->64 conv at 32x32, batch 128 (32 MiB tensors) spent
// ~85 % of its time in page faults. ImageNet-size activations are all that large.
//
// What: blocks of kMinCachedBytes and more are mapped by us and, when libtorch frees them, kept in a cache
// keyed by size class; the next request of that class reuses a block whose pages are already resident.
// Smaller blocks go to c10's allocator as before (glibc keeps those in its heap anyway).
// Memory is bounded: the cache never holds more than its cap (the oldest blocks are unmapped first), and a
// watcher thread unmaps everything once the allocator has been idle for the idle period, so a process that
// stops allocating returns its memory to the system (RSS falls back).
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "internal.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMinCachedBytes = size_t{1} << 20;  // 1 MiB: below this glibc's heap already reuses memory
constexpr uint8_t kPriority = 1;                      // above c10's default CPU allocator (registered at 0)

// Size classes: a request is rounded up to a multiple of an eighth of its power of two (at most 12.5 % slack),
// so batches of slightly different sizes still share blocks while a class stays a single exact size.
size_t size_class(size_t bytes) {
    size_t power = size_t{1} << (63 - __builtin_clzll(bytes));
    size_t step = power / 8;
    return (bytes + step - 1) / step * step;
}

struct CachedBlock {
    void* data;
    uint64_t sequence;  // when it entered the cache: eviction takes the oldest first
};

class CachingCpuAllocator final : public c10::Allocator {
public:
    CachingCpuAllocator() : fallback_(c10::GetCPUAllocator()) { cap_ = default_cap(); }

    c10::DataPtr allocate(size_t bytes) const override {
        if (bytes < kMinCachedBytes) {
            void* data = c10::alloc_cpu(bytes);
            return {data, data, &free_small, c10::Device(c10::DeviceType::CPU)};
        }
        void* data = self().take(size_class(bytes));
        return {data, data, &free_large, c10::Device(c10::DeviceType::CPU)};
    }

    // raw_allocate/raw_deallocate need a deleter that takes the data pointer alone: the size is looked up.
    c10::DeleterFnPtr raw_deleter() const override { return &free_any; }

    static CachingCpuAllocator& self() {
        // Never destroyed: tensors freed during static destruction, and the watcher thread, may still use it.
        static auto* instance = new CachingCpuAllocator();
        return *instance;
    }

    void install() { c10::SetCPUAllocator(this, kPriority); }
    void uninstall() { c10::SetCPUAllocator(fallback_, kPriority); }
    bool installed() const { return c10::GetCPUAllocator() == this; }

    void configure(int64_t cap_bytes, int64_t idle_ms) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cap_bytes >= 0) cap_ = static_cast<size_t>(cap_bytes);
        if (idle_ms >= 0) idle_ = std::chrono::milliseconds(idle_ms);
        trim_to(cap_);
        wake_.notify_all();  // a shorter idle period takes effect now
    }

    void stats(int64_t* cached, int64_t* live, int64_t* cap, int64_t* idle_ms) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cached) *cached = static_cast<int64_t>(cached_bytes_);
        if (live) *live = static_cast<int64_t>(live_bytes_);
        if (cap) *cap = static_cast<int64_t>(cap_);
        if (idle_ms) *idle_ms = idle_.count();
    }

    void release_all() {
        std::lock_guard<std::mutex> lock(mutex_);
        trim_to(0);
    }

private:
    // A quarter of physical memory: enough to hold a training step's working set between steps on a
    // machine that can train at all, while a one-off peak cannot pin most of the machine.
    static size_t default_cap() {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
    }

    void* take(size_t bytes) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            last_use_ = Clock::now();
            auto found = free_.find(bytes);
            if (found != free_.end() && !found->second.empty()) {
                void* data = found->second.back().data;  // the most recently freed: its pages are warmest
                found->second.pop_back();
                cached_bytes_ -= bytes;
                live_bytes_ += bytes;
                sizes_[data] = bytes;
                return data;
            }
        }
        void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        TORCH_CHECK(data != MAP_FAILED, "CPU allocator: can't allocate ", bytes, " bytes (mmap failed: out of memory)");
        // Transparent huge pages where the kernel offers them on request: 512x fewer first-touch faults and TLB
        // misses for activation-sized blocks. Advice only; failure changes nothing.
        madvise(data, bytes, MADV_HUGEPAGE);
        std::lock_guard<std::mutex> lock(mutex_);
        live_bytes_ += bytes;
        sizes_[data] = bytes;
        return data;
    }

    void give_back(void* data) {
        std::unique_lock<std::mutex> lock(mutex_);
        auto found = sizes_.find(data);
        if (found == sizes_.end()) return;  // cannot happen (only our deleters call this); a deleter must not throw
        size_t bytes = found->second;
        sizes_.erase(found);
        live_bytes_ -= bytes;
        last_use_ = Clock::now();
        if (bytes > cap_) {
            munmap(data, bytes);
            return;
        }
        trim_to(cap_ - bytes);
        free_[bytes].push_back({data, next_sequence_++});
        cached_bytes_ += bytes;
        start_watcher();
        wake_.notify_all();
    }

    // Unmaps the oldest cached blocks until the cache holds at most `limit` bytes. Caller holds the mutex.
    void trim_to(size_t limit) {
        while (cached_bytes_ > limit) {
            auto oldest = free_.end();
            for (auto it = free_.begin(); it != free_.end(); ++it) {
                if (!it->second.empty() && (oldest == free_.end() || it->second.front().sequence < oldest->second.front().sequence))
                    oldest = it;
            }
            munmap(oldest->second.front().data, oldest->first);
            cached_bytes_ -= oldest->first;
            oldest->second.pop_front();
            if (oldest->second.empty()) free_.erase(oldest);
        }
    }

    // The watcher empties the cache once no block has been taken or given back for the idle period.
    void start_watcher() {
        if (watcher_started_) return;
        watcher_started_ = true;
        std::thread([this] {
            std::unique_lock<std::mutex> lock(mutex_);
            for (;;) {
                wake_.wait(lock, [this] { return cached_bytes_ > 0; });
                auto deadline = last_use_ + idle_;
                if (Clock::now() >= deadline) {
                    trim_to(0);
                } else {
                    wake_.wait_until(lock, deadline);
                }
            }
        }).detach();
    }

    static void free_small(void* data) { c10::free_cpu(data); }
    static void free_large(void* data) { self().give_back(data); }

    static void free_any(void* data) {
        auto& allocator = self();
        bool large;
        {
            std::lock_guard<std::mutex> lock(allocator.mutex_);
            large = allocator.sizes_.count(data) != 0;
        }
        large ? allocator.give_back(data) : c10::free_cpu(data);
    }

    c10::Allocator* fallback_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::unordered_map<size_t, std::deque<CachedBlock>> free_;  // size class -> cached blocks, oldest first
    std::unordered_map<void*, size_t> sizes_;                   // live large blocks -> their size class
    size_t cached_bytes_ = 0, live_bytes_ = 0, cap_ = 0;
    std::chrono::milliseconds idle_{3000};
    Clock::time_point last_use_ = Clock::now();
    uint64_t next_sequence_ = 0;
    bool watcher_started_ = false;
};

}  // namespace

extern "C" {

tc_error* tc_cpu_cache_enable(int32_t enabled) {
    return tc::guarded("cpu_cache_enable", [&] {
        auto& allocator = CachingCpuAllocator::self();
        enabled ? allocator.install() : allocator.uninstall();
    });
}

int32_t tc_cpu_cache_enabled(void) { return CachingCpuAllocator::self().installed() ? 1 : 0; }

tc_error* tc_cpu_cache_configure(int64_t cap_bytes, int64_t idle_ms) {
    return tc::guarded("cpu_cache_configure", [&] { CachingCpuAllocator::self().configure(cap_bytes, idle_ms); });
}

tc_error* tc_cpu_cache_stats(int64_t* cached_bytes, int64_t* live_bytes, int64_t* cap_bytes, int64_t* idle_ms) {
    return tc::guarded("cpu_cache_stats", [&] { CachingCpuAllocator::self().stats(cached_bytes, live_bytes, cap_bytes, idle_ms); });
}

tc_error* tc_cpu_cache_release(void) {
    return tc::guarded("cpu_cache_release", [&] { CachingCpuAllocator::self().release_all(); });
}

}  // extern "C"
