#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mmnet {
namespace {

struct Job {
  const std::function<void(int64_t, int64_t)>* body = nullptr;
  int64_t count = 0;
  int64_t blockSize = 1;
  int64_t blocks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};

  // Runs blocks until none is left. A block is only started while the caller still waits for it, so `body`
  // (owned by the caller) is alive whenever it is called.
  void Work() {
    for (int64_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) {
      const int64_t begin = b * blockSize;
      (*body)(begin, std::min(count, begin + blockSize));
      done.fetch_add(1, std::memory_order_release);
    }
  }
};

class Pool {
 public:
  void Run(const std::shared_ptr<Job>& job, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(threads_.size()) < helpers) {
        threads_.emplace_back([this] { Serve(); });
        threads_.back().detach();
      }
      job_ = job;
      ++generation_;
    }
    wake_.notify_all();
    job->Work();
    while (job->done.load(std::memory_order_acquire) < job->blocks) std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mutex_);
    job_.reset();
  }

 private:
  void Serve() {
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
      }
      if (job) job->Work();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
  std::vector<std::thread> threads_;
};

// Never destroyed: detached helpers may still be waiting on it while the process exits.
Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

int g_threads = 1;

}  // namespace

void SetParallelThreads(int threads) { g_threads = std::max(1, std::min(threads, 64)); }
int ParallelThreads() { return g_threads; }

void ParallelFor(int64_t count, int64_t minBlock, const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
  minBlock = std::max<int64_t>(1, minBlock);
  const int64_t maxTasks = (count + minBlock - 1) / minBlock;
  const int threads = static_cast<int>(std::min<int64_t>(g_threads, maxTasks));
  if (threads <= 1) {
    body(0, count);
    return;
  }
  auto job = std::make_shared<Job>();
  job->body = &body;
  job->count = count;
  // A few blocks per thread, so a late helper still finds work and a descheduled one holds up little.
  job->blockSize = std::max(minBlock, (count + 4 * threads - 1) / (4 * threads));
  job->blocks = (count + job->blockSize - 1) / job->blockSize;
  ThePool().Run(job, threads - 1);
}

}  // namespace mmnet
