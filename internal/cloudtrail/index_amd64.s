//go:build !purego

#include "textflag.h"

// func pairIndex(b []byte, blocks int, c0, c1 byte, k int) int
//
// For each block of 32 positions p: X2/X4 = the 16 bytes at p and p+16
// compared with c0, X3/X5 = those at p+k and p+k+16 compared with c1; a
// position matches where both compare equal. One branch a block; the
// position is found (BSF) only in the block that has one.
TEXT ·pairIndex(SB), NOSPLIT, $0-56
	MOVQ	b_base+0(FP), SI
	MOVQ	blocks+24(FP), CX
	MOVBQZX	c0+32(FP), AX
	MOVBQZX	c1+33(FP), DX
	MOVQ	k+40(FP), R8

	// X0 = c0 in all 16 bytes, X1 = c1.
	MOVQ	$0x0101010101010101, R9
	IMULQ	R9, AX
	IMULQ	R9, DX
	MOVQ	AX, X0
	PUNPCKLQDQ	X0, X0
	MOVQ	DX, X1
	PUNPCKLQDQ	X1, X1

	LEAQ	(SI)(R8*1), R10 // b[k:]
	XORQ	DI, DI          // p
	SHLQ	$5, CX          // blocks*32: where to stop

loop:
	CMPQ	DI, CX
	JAE	notfound
	MOVOU	(SI)(DI*1), X2
	MOVOU	16(SI)(DI*1), X4
	MOVOU	(R10)(DI*1), X3
	MOVOU	16(R10)(DI*1), X5
	PCMPEQB	X0, X2
	PCMPEQB	X0, X4
	PCMPEQB	X1, X3
	PCMPEQB	X1, X5
	PAND	X3, X2
	PAND	X5, X4
	MOVOU	X2, X6
	POR	X4, X6
	PMOVMSKB	X6, R11
	TESTL	R11, R11
	JNZ	found
	ADDQ	$32, DI
	JMP	loop

found:
	PMOVMSKB	X2, R11
	PMOVMSKB	X4, R12
	SHLQ	$16, R12
	ORQ	R12, R11
	BSFQ	R11, R11
	ADDQ	R11, DI
	MOVQ	DI, ret+48(FP)
	RET

notfound:
	MOVQ	$-1, ret+48(FP)
	RET
