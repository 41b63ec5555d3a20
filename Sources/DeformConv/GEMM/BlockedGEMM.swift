/// C[m×n] += A[m×k]·B[k×n], all row-major with leading dimensions, blocked over k, i and j so
/// that a kBlock×nBlock panel of B stays in cache while every row of A's block streams over it.
///
/// The classic cache-tiled loop nest of the im2col designs (`tiled`, `dispatch`): the inner j loop
/// is a unit-stride axpy the compiler vectorises; no register blocking (that is the micro-kernel
/// of `blockedGather`).
enum BlockedGEMM {
    static let kBlock = 128
    static let mBlock = 32
    static let nBlock = 256

    static func multiplyAdd(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for k0 in stride(from: 0, to: k, by: kBlock) {
            let k1 = min(k0 + kBlock, k)
            for i0 in stride(from: 0, to: m, by: mBlock) {
                let i1 = min(i0 + mBlock, m)
                for j0 in stride(from: 0, to: n, by: nBlock) {
                    let j1 = min(j0 + nBlock, n)
                    for i in i0..<i1 {
                        let cRow = c + i * ldc
                        for kk in k0..<k1 {
                            let aik = a[i * lda + kk]
                            let bRow = b + kk * ldb
                            for j in j0..<j1 { cRow[j] += aik * bRow[j] }
                        }
                    }
                }
            }
        }
    }
}
