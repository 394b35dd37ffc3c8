import Foundation
import Testing
@testable import KNEmit

/// The rawfile reader on files that ngspice itself writes, and on truncated copies of them.
@Suite struct RawfileTests {
    /// An RC low-pass (R = 1 kΩ, C = 1 nF) with a transient and an AC analysis, written in `encoding`.
    func rcRawfile(_ encoding: RawfileEncoding) throws -> URL {
        let dir = try Fixtures.temporaryFolder("raw-\(encoding.rawValue)")
        let netlist = dir.appendingPathComponent("rc.cir")
        let text = """
        * RC low-pass for the rawfile reader
        V1 in 0 DC 0 AC 1 PULSE(0 1 0 1e-9 1e-9 1 2)
        R1 in out 1k
        C1 out 0 1n
        .control
        set filetype=\(encoding.rawValue)
        tran 1e-8 5e-6
        write rc.raw v(out) v(in)
        ac dec 5 1e3 1e7
        write ac.raw v(out)
        quit 0
        .endc
        .end

        """
        try Data(text.utf8).write(to: netlist)
        _ = try NgspiceRunner(timeout: 60).run(netlist)
        return dir
    }

    @Test(arguments: [RawfileEncoding.binary, .ascii])
    func readsNgspiceTransientAndComplexACPlots(_ encoding: RawfileEncoding) throws {
        let dir = try rcRawfile(encoding)
        let tran = try #require(try Rawfile(contentsOf: dir.appendingPathComponent("rc.raw")).plots.first)
        #expect(tran.plotName.lowercased().contains("transient"))
        #expect(!tran.isComplex)
        let t = try #require(tran.column(named: "time"))
        let out = try #require(tran.column(named: "v(out)"))
        #expect(t.count == tran.pointCount && t.count > 50)
        #expect(t.first == 0)
        #expect(abs(t.last! - 5e-6) < 1e-15)
        // The step response of the RC (tau = 1 µs, input rise 1 ns): 1 − exp(−t/RC), within ngspice's tolerance.
        for (ti, vi) in zip(t, out) where ti > 0.2e-6 {
            #expect(abs(vi - (1 - exp(-(ti - 0.5e-9) / 1e-6))) < 2e-3, "t = \(ti)")
        }
        let ac = try #require(try Rawfile(contentsOf: dir.appendingPathComponent("ac.raw")).plots.first)
        #expect(ac.isComplex)
        let f = ac.complexColumn(try #require(ac.index(of: "frequency")))
        let h = ac.complexColumn(try #require(ac.index(of: "v(out)")))
        #expect(f.count == 21)
        for (fi, hi) in zip(f, h) {
            // H = 1/(1 + jωRC)
            let w = 2 * Double.pi * fi.re * 1e-6
            let re = 1 / (1 + w * w), im = -w / (1 + w * w)
            #expect(abs(hi.re - re) < 1e-9 && abs(hi.im - im) < 1e-9, "f = \(fi.re)")
        }
    }

    /// VACASK's flavor: plain node names, `notype`, one analysis per file (installed by flows/ngspice46-osdi.sh).
    @Test(.enabled(if: which("vacask") != nil, "vacask is not installed; run flows/ngspice46-osdi.sh"))
    func readsVACASKTransientAndComplexACFiles() throws {
        let dir = try Fixtures.temporaryFolder("raw-vacask")
        let text = """
        RC low-pass for the rawfile reader
        load "spice/resistor.osdi"
        load "spice/capacitor.osdi"
        ground 0
        model r sp_resistor
        model c sp_capacitor
        model v vsource
        v1 (in 0) v type="pulse" val0=0 val1=1 rise=1n fall=1n width=1 period=2 mag=1
        r1 (in out) r r=1k
        c1 (out 0) c c=1n
        control
          options rawfile="binary"
          analysis tran1 tran step=10n stop=5u
          analysis ac1 ac from=1k to=10M mode="dec" points=5
        endc

        """
        try Data(text.utf8).write(to: dir.appendingPathComponent("rc.sim"))
        let (status, log) = try run(which("vacask")!, ["rc.sim"], in: dir)
        try #require(status == 0, "\(log)")
        let tran = try #require(try Rawfile(contentsOf: dir.appendingPathComponent("tran1.raw")).plots.first)
        let t = try #require(tran.column(named: "time"))
        let out = tran.column(try #require(tran.voltageIndex(of: "out")))
        #expect(t.count > 20 && abs(t.last! - 5e-6) < 1e-15)
        for (ti, vi) in zip(t, out) where ti > 0.2e-6 {
            #expect(abs(vi - (1 - exp(-(ti - 0.5e-9) / 1e-6))) < 5e-3, "t = \(ti)")
        }
        let ac = try #require(try Rawfile(contentsOf: dir.appendingPathComponent("ac1.raw")).plots.first)
        #expect(ac.isComplex)
        let f = ac.complexColumn(try #require(ac.index(of: "frequency")))
        let h = ac.complexColumn(try #require(ac.voltageIndex(of: "out")))
        #expect(f.count == 21)
        for (fi, hi) in zip(f, h) {
            let w = 2 * Double.pi * fi.re * 1e-6
            #expect(abs(hi.re - 1 / (1 + w * w)) < 1e-9 && abs(hi.im + w / (1 + w * w)) < 1e-9, "f = \(fi.re)")
        }
    }

    @Test func binaryAndASCIIGiveTheSameValues() throws {
        let b = try #require(try Rawfile(contentsOf: rcRawfile(.binary).appendingPathComponent("rc.raw")).plots.first)
        let a = try #require(try Rawfile(contentsOf: rcRawfile(.ascii).appendingPathComponent("rc.raw")).plots.first)
        #expect(a.variables == b.variables)
        #expect(a.pointCount == b.pointCount)
        for (x, y) in zip(a.real, b.real) { #expect(abs(x - y) <= 1e-14 * max(1, abs(y))) }
    }

    @Test(arguments: [RawfileEncoding.binary, .ascii])
    func truncatedFilesAreRejectedWithTheByteOffset(_ encoding: RawfileEncoding) throws {
        let url = try rcRawfile(encoding).appendingPathComponent("rc.raw")
        let whole = try Data(contentsOf: url)
        let header = try #require(whole.range(of: Data((encoding == .binary ? "Binary:\n" : "Values:\n").utf8)))
        for cut in [whole.count - 3, (header.upperBound + whole.count) / 2, header.upperBound + 5] {
            let part = whole.prefix(cut)
            #expect {
                _ = try Rawfile(data: part, path: "cut.raw")
            } throws: { error in
                guard case let .truncated(path, offset, expected) = error as? RawfileError else { return false }
                return path == "cut.raw" && offset <= cut && offset > header.lowerBound
                    && (encoding == .ascii || expected == whole.count)
            }
        }
        // A header cut before the data section is also a truncation.
        #expect(throws: RawfileError.self) { _ = try Rawfile(data: whole.prefix(header.lowerBound - 2), path: "h.raw") }
    }

    @Test func nonRawfileIsMalformedAtTheOffendingByte() throws {
        let text = "Title: x\nNo. Variables: 1\nthis is not a header\n"
        #expect(throws: RawfileError.malformed(path: "x.raw", offset: 26,
                                               problem: "expected a 'Key: value' header line, found 'this is not a header'")) {
            _ = try Rawfile(data: Data(text.utf8), path: "x.raw")
        }
    }
}
