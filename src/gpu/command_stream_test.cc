#include "dmakit/gpu/command_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dmakit {
namespace {

using ::testing::ElementsAre;

TEST(CommandStream, EncodesHeaderOpcodeAndPayloadLength) {
  CommandBuilder b;
  b.WriteImm(DmaAddr(0x1'2345'6780), 0xdeadbeef);
  EXPECT_THAT(b.words(), ElementsAre(0x0301u, 0x23456780u, 0x1u, 0xdeadbeefu));
  EXPECT_EQ(b.size_bytes(), 16u);
}

TEST(CommandStream, EveryCommandDecodesToWhatWasBuilt) {
  CommandBuilder b;
  b.Copy(DmaAddr(0x5000), DmaAddr(0x9'0000'1000), 256)
      .Fill(DmaAddr(0x6000), 64, 7)
      .Alu(AluOp::kXor, DmaAddr(0x7000), 32, 0xff)
      .Fence(DmaAddr(0x8000), 42)
      .Indirect(DmaAddr(0x9000), 128)
      .Nop(2)
      .Wrap();
  const auto& w = b.words();
  size_t pos = 0;
  std::vector<GpuOpcode> ops;
  while (pos < w.size()) {
    auto c = DecodeCommand(w, pos);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    ops.push_back(c->op);
    if (c->op == GpuOpcode::kCopy) {
      EXPECT_EQ(c->Addr(0), DmaAddr(0x5000));
      EXPECT_EQ(c->Addr(2), DmaAddr(0x9'0000'1000));
      EXPECT_EQ(c->payload[4], 256u);
    }
    if (c->op == GpuOpcode::kFence) {
      EXPECT_EQ(c->payload[2], 42u);
      EXPECT_EQ(c->payload[3], kFenceIrq);
    }
    pos += c->words;
  }
  EXPECT_THAT(ops,
              ElementsAre(GpuOpcode::kCopy, GpuOpcode::kFill, GpuOpcode::kAlu, GpuOpcode::kFence,
                          GpuOpcode::kIndirect, GpuOpcode::kNop, GpuOpcode::kWrap));
}

TEST(CommandStream, BytesAreLittleEndianWords) {
  CommandBuilder b;
  b.Fill(DmaAddr(0x10), 4, 0x11223344);
  auto bytes = b.Bytes();
  ASSERT_EQ(bytes.size(), 20u);
  EXPECT_THAT(std::vector<uint8_t>(bytes.end() - 4, bytes.end()),
              ElementsAre(0x44, 0x33, 0x22, 0x11));
  EXPECT_EQ(WordsFromBytes(bytes), b.words());
}

TEST(CommandStream, DecodeRejectsUnknownOpcode) {
  std::vector<uint32_t> w = {0x0009};
  auto c = DecodeCommand(w, 0);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CommandStream, DecodeRejectsReservedHeaderBits) {
  std::vector<uint32_t> w = {0x0100'0000};
  EXPECT_EQ(DecodeCommand(w, 0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(CommandStream, DecodeRejectsWrongPayloadLength) {
  std::vector<uint32_t> w = {0x0201, 0, 0};  // WRITE_IMM with 2 payload words
  auto c = DecodeCommand(w, 0);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CommandStream, DecodeRejectsPayloadPastTheEnd) {
  std::vector<uint32_t> w = {0x0301, 0, 0};  // WRITE_IMM missing its value
  EXPECT_EQ(DecodeCommand(w, 0).error().code(), ErrorCode::kOutOfRange);
}

TEST(CommandStream, DecodeRejectsPositionPastTheEnd) {
  std::vector<uint32_t> w = {0};
  EXPECT_EQ(DecodeCommand(w, 1).error().code(), ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace dmakit
