import Foundation
import KNModel

/// The sample-table reader on .json files (`SampleTable.read`, as `kn-map simulate --inputs` calls it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSamplesJSON(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let table = try SampleTable.read(from: FuzzInput.file(bytes, count, extension: "json"))
        if table.values.count != table.rows * table.columns { fatalError("values do not match the shape") }
        if table.values.contains(where: { !$0.isFinite }) { fatalError("a non-finite sample was accepted") }
    } catch {
        _ = error.description
    }
    return 0
}
