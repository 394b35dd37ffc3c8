import Foundation
import Testing
@testable import KNProcess

@Suite("Bench sweeps: DC transfer curves and transient staircases")
struct IndexSweepTests {
    let file = URL(fileURLWithPath: "/tmp/bench/f0.txt")

    /// Rows a staircase of `values` would write: a first-order response with time constant `tau` to each step,
    /// sampled every hold/50 and at every corner of the staircase.
    func staircaseRows(_ values: [Double], hold: Double, tau: Double, stopAt fraction: Double = 1) -> [[Double]] {
        let ramp = hold * IndexSweep.rampShare
        let stop = Double(values.count) * hold - ramp
        var times = Set<Double>()
        for j in 0..<values.count {
            for k in 0...50 { times.insert(Double(j) * hold + hold * Double(k) / 50) }
            times.insert(Double(j + 1) * hold - ramp)
        }
        var rows: [[Double]] = []
        for t in times.sorted() where t <= stop * fraction {
            // The input settles exponentially towards the value of the step it is in.
            let j = min(Int(t / hold), values.count - 1)
            let start = Double(j) * hold
            let previous = j == 0 ? values[0] : values[j - 1]
            let x = values[j] + (previous - values[j]) * exp(-(t - start) / tau)
            rows.append([t, x, -2 * x])
        }
        return rows
    }

    @Test("a staircase holds each index, ramps in a twentieth of the hold and ends on the last hold")
    func staircaseNetlist() {
        let sweep = IndexSweep.staircase(hold: 1e-3)
        #expect(sweep.sourceLines(count: 3) == [".option method=gear",
                                               "vsw sw 0 pwl(0 0 0.00095 0 0.001 1 0.00195 1 0.002 2 0.00295 2)"])
        #expect(sweep.analysis(count: 3) == "tran 0.001 0.00295")
        #expect(IndexSweep.dc.sourceLines(count: 3) == ["vsw sw 0 dc 0"])
        #expect(IndexSweep.dc.analysis(count: 3) == "dc vsw 0 2 1")
    }

    @Test("a settled staircase reads back the value at the end of every hold")
    func settledStaircase() throws {
        let values = [1.0, 3.0, -2.0, 0.5, 0.5]
        let hold = 1e-3
        let points = try IndexSweep.staircase(hold: hold).points(staircaseRows(values, hold: hold, tau: hold / 100),
                                                                count: values.count, file: file)
        #expect(points.map(\.[0]) == [0, 1, 2, 3, 4])
        for (point, value) in zip(points, values) {
            #expect(abs(point[1] - value) < 1e-9 && abs(point[2] + 2 * value) < 1e-9)
        }
    }

    @Test("a staircase that is still moving at the end of a hold is refused, naming the point")
    func unsettledStaircase() throws {
        let values = [1.0, 3.0, -2.0]
        let hold = 1e-3
        #expect {
            try IndexSweep.staircase(hold: hold).points(staircaseRows(values, hold: hold, tau: hold / 4), count: 3, file: file)
        } throws: { error in
            guard case IndexSweepError.unsettled(_, let point, _, _, _) = error else { return false }
            return point == 1 && "\(error)".contains("Fix:")
        }
    }

    @Test("a staircase that stopped early, and a DC sweep short of points, are refused")
    func truncatedSweeps() {
        let hold = 1e-3
        #expect(throws: IndexSweepError.self) {
            try IndexSweep.staircase(hold: hold).points(staircaseRows([1, 2, 3], hold: hold, tau: hold / 100, stopAt: 0.6),
                                                        count: 3, file: file)
        }
        #expect(throws: IndexSweepError.missingPoints(file: file.path, expected: 3, found: 2)) {
            try IndexSweep.dc.points([[0, 1], [1, 2]], count: 3, file: file)
        }
        #expect((try? IndexSweep.dc.points([[0, 1], [1, 2], [2, 3]], count: 2, file: file)) == [[0, 1], [1, 2]])
    }
}
