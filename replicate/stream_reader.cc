#include "replicate/stream_reader.h"

#include <zstd.h>

#include <cstring>

namespace zpull::replicate {

struct StreamReader::Zstd {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  std::size_t frame_left = 0;  // ZSTD_decompressStream's hint: 0 at a frame boundary
  bool pending = false;        // the last call filled its output: more may be buffered inside
  ~Zstd() { ZSTD_freeDCtx(ctx); }
};

StreamReader::StreamReader(core::Process& sender, bool zstd) : sender_(sender) {
  if (zstd) {
    zstd_ = std::make_unique<Zstd>();
    wire_.resize(ZSTD_DStreamInSize() * 8);
  }
}

StreamReader::~StreamReader() = default;

core::Result<core::ReadChunk> StreamReader::ReadFor(std::span<char> out, std::chrono::milliseconds wait) {
  last_wire_ = 0;
  if (!zstd_) {
    auto chunk = sender_.ReadFor(out, wait);
    if (chunk) last_wire_ = chunk->bytes;
    return chunk;
  }
  // Decode what is buffered first; read more wire only when it is used up.
  if (wire_pos_ < wire_have_ || zstd_->pending) {
    auto produced = Decompress(out, false);
    if (!produced || produced->bytes > 0) return produced;
  }
  if (wire_ended_) return Decompress(out, true);
  if (wire_pos_ == wire_have_) wire_pos_ = wire_have_ = 0;
  auto chunk = sender_.ReadFor(std::span<char>(wire_.data() + wire_have_, wire_.size() - wire_have_), wait);
  if (!chunk) return chunk;
  last_wire_ = chunk->bytes;
  wire_have_ += chunk->bytes;
  if (chunk->end) wire_ended_ = true;
  return Decompress(out, wire_ended_);
}

core::Result<core::ReadChunk> StreamReader::Decompress(std::span<char> out, bool wire_ended) {
  ZSTD_inBuffer in{wire_.data() + wire_pos_, wire_have_ - wire_pos_, 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  bool progress = true;
  while (progress && o.pos < o.size && (in.pos < in.size || zstd_->pending)) {
    const std::size_t in_before = in.pos, out_before = o.pos;
    std::size_t r = ZSTD_decompressStream(zstd_->ctx, &o, &in);
    if (ZSTD_isError(r)) {
      return core::Fail(core::Reason::kStreamCorrupt,
                        std::string("zstd-compressed send stream does not decode: ") + ZSTD_getErrorName(r));
    }
    zstd_->frame_left = r;
    // r == 0: the frame is complete and flushed (calling again would start
    // the next frame).
    zstd_->pending = o.pos == o.size && r != 0;
    progress = in.pos != in_before || o.pos != out_before;
  }
  wire_pos_ += in.pos;
  if (o.pos > 0) return core::ReadChunk{o.pos, false};
  if (wire_ended && wire_pos_ == wire_have_ && !zstd_->pending) {
    if (zstd_->frame_left != 0) {
      return core::Fail(core::Reason::kStreamCorrupt, "zstd-compressed send stream ends inside a frame");
    }
    return core::ReadChunk{0, true};
  }
  return core::ReadChunk{};
}

}  // namespace zpull::replicate
