import Foundation

/// A foundry's binned MOSFET model cards lifted out of their wrapper subcircuits, so that a nominal netlist
/// can name each transistor's bin directly.
///
/// sky130 defines `sky130_fd_pr__nfet_01v8` as a subcircuit holding one `M` line and 180 binned `.model`
/// cards whose mismatch terms are expressions of the instance's `l`, `w` and `mult`. ngspice therefore keeps a
/// copy of every card per instance and, for every MOSFET, scans that growing list for its bin
/// (`INPgetModBin`): set-up time grows with the square of the transistor count (measured on twomoon cells:
/// 100 cells 54 s, 200 cells 189 s, 600 cells more than 40 minutes).
///
/// With the mismatch switch off those expressions do not depend on the instance, so one top-level copy of the
/// cards serves every instance:
/// - ``lines`` writes the cards once, after a `.param` line with the wrapper's defaults for the instance
///   parameters the cards mention (`l`, `w`, `mult`);
/// - ``instanceLine(device:name:drain:gate:source:bulk:widthUm:lengthUm:fingers:)`` writes an `M` line that
///   names the bin ngspice itself would choose (the length, and the width per finger, within the bin's limits,
///   ends included to 1 nm; first match in file order) and carries the wrapper's other instance parameters at
///   their defaults (`ad=0 as=0 …`), exactly as the wrapper's `M` line passes them.
///
/// Measured on twomoon cells (sky130 tt, ngspice 46): the same node voltages to 1.7e-14 V and the same
/// Newton iterations as the wrapper form; set-up of 100 cells 0.6 s instead of 54 s.
///
/// Devices that the process instantiates as bare models (prefix `M`, as gf180mcu's) need nothing and are
/// left out. A card whose instance-dependent expression is not a mismatch term cannot be shared:
/// ``init(process:corner:root:)`` then throws, and a netlist keeps the foundry's subcircuits.
public struct PrebinnedModels: Sendable {
    /// One binned `.model` card.
    public struct Bin: Sendable, Hashable {
        /// The card's model name (`sky130_fd_pr__nfet_01v8__model.12`).
        public var name: String
        /// Length and width-per-finger limits, metres (`lmin`…`lmax`, `wmin`…`wmax`; unbounded when absent).
        public var length: ClosedRange<Double>
        public var width: ClosedRange<Double>
        /// The card's text as the model file writes it (continuation and comment lines included).
        public var text: [String]

        /// Whether ngspice's binning picks this card for a length and a width per finger (metres).
        public func contains(length l: Double, width w: Double) -> Bool {
            Self.inside(l, length) && Self.inside(w, width)
        }

        private static func inside(_ value: Double, _ range: ClosedRange<Double>) -> Bool {
            abs(value - range.lowerBound) < 1e-9 || abs(value - range.upperBound) < 1e-9 || range.contains(value)
        }
    }

    /// A wrapper subcircuit's bins and the instance parameters its `M` line passes.
    public struct Device: Sendable {
        /// The subcircuit name, ``DeviceModel/model``.
        public var model: String
        public var bins: [Bin]
        /// The wrapper `M` line's parameters in order: name and the value it gets (a wrapper parameter's name
        /// when it passes one through, or a number).
        public var passed: [(name: String, value: String)]
        /// The wrapper's parameter defaults.
        public var defaults: [String: String]
    }

    /// The devices by ``DeviceModel/id``.
    public private(set) var devices: [String: Device]
    /// The wrapper parameters the cards' expressions mention, at their defaults (`l=1 w=1 mult=1`).
    public private(set) var parameters: [(name: String, value: String)]

    /// Reads the wrapper subcircuits of `process`'s devices from the model files of `corner`, following
    /// `.include` and `.lib` directives.
    ///
    /// - Throws: ``ProcessError/unreadable(file:reason:)`` for a model file that cannot be read, and
    ///   ``ProcessError/inconsistent(file:line:message:fix:)`` when a device's subcircuit is missing, has no
    ///   single `M` line or binned cards, or has a card whose expressions depend on the instance outside the
    ///   mismatch switch's terms (then the cards cannot be shared; write the netlist with the foundry's
    ///   subcircuits).
    public init(process: ProcessDescription, corner: Corner, root: PDKRoot) throws(ProcessError) {
        let wanted = process.devices.filter { $0.instancePrefix.uppercased() == "X" }
        var reader = ModelFileReader(wanted: Set(wanted.map { $0.model.lowercased() }))
        for file in corner.files {
            try reader.read(URL(fileURLWithPath: process.absolutePath(of: file, in: root)), section: file.section)
        }
        let bodies = reader.subcircuits
        let switchName = process.mismatchSwitch?.name.lowercased()
        var devices: [String: Device] = [:]
        var parameters: [(name: String, value: String)] = []
        for device in wanted {
            guard let body = bodies[device.model.lowercased()] else {
                throw .inconsistent(file: process.absolutePath(of: corner.files.first ?? ModelFile(path: "", section: nil), in: root), line: 0,
                                    message: "corner \(corner.name)'s model files define no subcircuit \(device.model)",
                                    fix: "list the file that defines it in the corner of pdk/\(process.name).xml")
            }
            let parsed = try Self.parse(body.lines, device: device, file: body.file, line: body.line, mismatchSwitch: switchName)
            devices[device.id] = parsed.device
            for (name, value) in parsed.mentioned {
                if let known = parameters.first(where: { $0.name == name }) {
                    guard known.value == value else {
                        throw .inconsistent(file: body.file, line: body.line,
                                            message: "\(device.model) defaults \(name) to \(value), another device to \(known.value); one top-level .param cannot serve both",
                                            fix: "write the netlist with the foundry's subcircuits")
                    }
                } else {
                    parameters.append((name, value))
                }
            }
        }
        self.devices = devices
        self.parameters = parameters
    }

    /// Whether no device needs lifting (every device is a bare model).
    public var isEmpty: Bool { devices.isEmpty }

    /// The top-level lines: the `.param` defaults, then every device's cards.
    public var lines: [String] {
        var lines: [String] = []
        if !parameters.isEmpty { lines.append(".param " + parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")) }
        for id in devices.keys.sorted() { for bin in devices[id]!.bins { lines += bin.text } }
        return lines
    }

    /// The bin of a device for a drawn width and length (µm) and a finger count.
    ///
    /// - Throws: ``ProcessError/outOfRange(what:value:range:fix:)`` when no card covers the geometry.
    public func bin(of device: DeviceModel, widthUm: Double, lengthUm: Double, fingers: Int) throws(ProcessError) -> Bin {
        guard let lifted = devices[device.id] else {
            throw .unknownName(file: device.model, kind: "pre-binned device", name: device.id, known: devices.keys.sorted())
        }
        let l = lengthUm * 1e-6, w = widthUm * 1e-6 / Double(max(fingers, 1))
        guard let bin = lifted.bins.first(where: { $0.contains(length: l, width: w) }) else {
            let lengths = lifted.bins.map(\.length)
            throw .outOfRange(what: "\(device.model) length (m) of an instance \(widthUm) µm wide in \(fingers) fingers", value: l,
                              range: (lengths.map(\.lowerBound).min() ?? 0)...(lengths.map(\.upperBound).max() ?? 0),
                              fix: "size the device within the model's bins (its width per finger \(w) m must be binned too)")
        }
        return bin
    }

    /// An `M` instance line for `device` naming its bin, with the wrapper's other parameters at their defaults.
    /// (``DeviceModel/instanceLine(name:drain:gate:source:bulk:widthUm:lengthUm:fingers:prebinned:)`` chooses
    /// between this and the foundry's subcircuit.)
    ///
    /// - Throws: ``ProcessError`` when no bin covers the geometry.
    public func instanceLine(device: DeviceModel, name: String, drain: String, gate: String, source: String, bulk: String,
                             widthUm: Double, lengthUm: Double, fingers: Int) throws(ProcessError) -> String {
        let bin = try bin(of: device, widthUm: widthUm, lengthUm: lengthUm, fingers: fingers)
        let lifted = devices[device.id]!
        var given = ["w": device.instanceValue(micrometres: widthUm), "l": device.instanceValue(micrometres: lengthUm)]
        if let nf = device.fingers { given[nf.lowercased()] = "\(fingers)" }
        let nodes = device.nodes(drain: drain, gate: gate, source: source, bulk: bulk)
        let values = lifted.passed.map { p in "\(p.name)=\(given[p.value] ?? lifted.defaults[p.value] ?? p.value)" }
        return (["M" + name] + nodes + [bin.name] + values).joined(separator: " ")
    }

    // MARK: Parsing one wrapper subcircuit

    private static func parse(_ body: [String], device: DeviceModel, file: String, line: Int,
                              mismatchSwitch: String?) throws(ProcessError) -> (device: Device, mentioned: [(String, String)]) {
        func fail(_ message: String) -> ProcessError {
            .inconsistent(file: file, line: line, message: "subcircuit \(device.model): \(message)",
                          fix: "write the netlist with the foundry's subcircuits (a Monte Carlo netlist does)")
        }
        var defaults: [String: String] = [:]
        var order: [String] = []
        var passed: [(name: String, value: String)]?
        var cards: [(name: String, raw: [String], logical: String)] = []
        for statement in ModelFileReader.statements(body) {
            let lower = statement.logical.lowercased()
            if lower.hasPrefix(".param") {
                for (k, v) in ModelFileReader.assignments(String(statement.logical.dropFirst(6))) {
                    if defaults[k] == nil { order.append(k) }
                    defaults[k] = v
                }
            } else if lower.hasPrefix(".model") {
                let tokens = statement.logical.split(whereSeparator: \.isWhitespace)
                guard tokens.count >= 3 else { throw fail("a .model card without a name and type") }
                cards.append((String(tokens[1]), statement.raw, statement.logical))
            } else if lower.hasPrefix("m") {
                guard passed == nil else { throw fail("more than one M line") }
                let tokens = statement.logical.split(whereSeparator: \.isWhitespace)
                let head = 1 + device.terminals.count + 1
                guard tokens.count >= head else { throw fail("an M line with fewer than \(device.terminals.count) terminals and a model") }
                let rest = tokens[head...].joined(separator: " ")
                passed = ModelFileReader.assignments(rest).map { name, value in
                    let bare = value.trimmingCharacters(in: CharacterSet(charactersIn: "{}' ")).lowercased()
                    return (name, bare)
                }
            } else if !lower.hasPrefix(".") {
                throw fail("an element other than the one M line (\(statement.logical.prefix(40)))")
            }
        }
        guard let passed else { throw fail("no M line") }
        guard !cards.isEmpty else { throw fail("no .model cards") }
        let instanceNames = Set(order.map { $0.lowercased() })
        var mentioned: Set<String> = []
        var bins: [Bin] = []
        for card in cards {
            for expression in ModelFileReader.braced(card.logical) {
                let names = ModelFileReader.identifiers(expression).filter(instanceNames.contains)
                guard !names.isEmpty else { continue }
                guard let mismatchSwitch, ModelFileReader.identifiers(expression).contains(mismatchSwitch) else {
                    throw fail("card \(card.name) has an expression of the instance's \(names.sorted().joined(separator: ", ")) that is not a mismatch term: {\(expression.prefix(60))}")
                }
                mentioned.formUnion(names)
            }
            let limits = ModelFileReader.numbers(["lmin", "lmax", "wmin", "wmax"], in: card.logical)
            let value = { (key: String) in limits[key] }
            bins.append(Bin(name: card.name,
                            length: (value("lmin") ?? 0)...(value("lmax") ?? .greatestFiniteMagnitude),
                            width: (value("wmin") ?? 0)...(value("wmax") ?? .greatestFiniteMagnitude),
                            text: card.raw))
        }
        for p in passed where !(instanceNames.contains(p.value) || Double(p.value) != nil) {
            throw fail("its M line passes \(p.name)=\(p.value), neither a subcircuit parameter nor a number")
        }
        let lowered = Dictionary(order.map { ($0.lowercased(), defaults[$0]!) }, uniquingKeysWith: { a, _ in a })
        let lifted = Device(model: device.model, bins: bins, passed: passed, defaults: lowered)
        // In the wrapper's order, so that the netlist text is the same on every run.
        return (lifted, order.map { $0.lowercased() }.filter(mentioned.contains).map { ($0, lowered[$0]!) })
    }
}

/// Reads SPICE model files the way ngspice does for what ``PrebinnedModels`` needs: follows `.include` and
/// `.lib file section`, and keeps the bodies of the wanted subcircuits.
struct ModelFileReader {
    let wanted: Set<String>
    /// Lower-cased subcircuit name → the file, the 1-based line of `.subckt`, and the body's raw lines.
    var subcircuits: [String: (file: String, line: Int, lines: [String])] = [:]
    private var visited: Set<String> = []

    init(wanted: Set<String>) { self.wanted = wanted }

    mutating func read(_ url: URL, section: String?) throws(ProcessError) {
        let key = url.standardizedFileURL.path + "#" + (section ?? "")
        guard visited.insert(key).inserted else { return }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var inSection = section == nil
        // The subcircuit being captured; its lines in a variable of their own, so that appending never copies them.
        var capture: (name: String, line: Int)?
        var captured: [String] = []
        for (index, raw) in lines.enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let lower = trimmed.lowercased()
            let tokens = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
            if let section {
                if lower.hasPrefix(".lib"), tokens.count == 2, tokens[1].lowercased() == section.lowercased() { inSection = true; continue }
                if lower.hasPrefix(".endl") { if inSection { inSection = false }; continue }
            }
            guard inSection else { continue }
            if let open = capture {
                if lower.hasPrefix(".ends") {
                    subcircuits[open.name] = (url.path, open.line, captured)
                    capture = nil
                    captured = []
                } else {
                    captured.append(raw)
                }
                continue
            }
            if lower.hasPrefix(".subckt"), tokens.count >= 2, wanted.contains(tokens[1].lowercased()) {
                capture = (tokens[1].lowercased(), index + 1)
            } else if lower.hasPrefix(".inc"), tokens.count >= 2 {
                try read(Self.resolve(tokens[1], relativeTo: url), section: nil)
            } else if lower.hasPrefix(".lib"), tokens.count >= 3 {
                try read(Self.resolve(tokens[1], relativeTo: url), section: tokens[2])
            }
        }
    }

    private static func resolve(_ token: String, relativeTo url: URL) -> URL {
        let path = token.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        return path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : url.deletingLastPathComponent().appendingPathComponent(path)
    }

    /// Statements of a body: a line and its `+` continuations (comment and blank lines in between are skipped
    /// in the logical text, kept in the raw lines).
    static func statements(_ lines: [String]) -> [(logical: String, raw: [String])] {
        var result: [(logical: String, raw: [String])] = []
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("+") {
                guard !result.isEmpty else { continue }
                result[result.count - 1].logical += " " + trimmed.dropFirst()
                result[result.count - 1].raw.append(line)
            } else if trimmed.isEmpty || trimmed.hasPrefix("*") {
                if !result.isEmpty { result[result.count - 1].raw.append(line) }
            } else {
                result.append((trimmed, [line]))
            }
        }
        // Trailing comments belong to no card.
        for i in result.indices {
            while let last = result[i].raw.last, result[i].raw.count > 1,
                  last.trimmingCharacters(in: .whitespaces).isEmpty || last.trimmingCharacters(in: .whitespaces).hasPrefix("*") {
                result[i].raw.removeLast()
            }
        }
        return result
    }

    /// `name = value` pairs of a parameter list (spaces around `=` allowed; values may be braced expressions).
    static func assignments(_ text: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var chars = Array(text)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        chars.append(" ")
        while i < chars.count {
            skipSpace()
            let start = i
            while i < chars.count, !chars[i].isWhitespace, chars[i] != "=" { i += 1 }
            let name = String(chars[start..<i])
            skipSpace()
            guard !name.isEmpty, i < chars.count, chars[i] == "=" else { if name.isEmpty { break }; continue }
            i += 1
            skipSpace()
            let valueStart = i
            if i < chars.count, chars[i] == "{" || chars[i] == "'" {
                let close: Character = chars[i] == "{" ? "}" : "'"
                i += 1
                while i < chars.count, chars[i] != close { i += 1 }
                i = min(i + 1, chars.count)
            } else {
                while i < chars.count, !chars[i].isWhitespace { i += 1 }
            }
            pairs.append((name.lowercased(), String(chars[valueStart..<i]).trimmingCharacters(in: .whitespaces)))
        }
        return pairs
    }

    /// The contents of every `{…}` expression.
    static func braced(_ text: String) -> [String] {
        var result: [String] = []
        var depth = 0, current = ""
        for c in text {
            if c == "{" { if depth > 0 { current.append(c) }; depth += 1; continue }
            if c == "}", depth > 0 {
                depth -= 1
                if depth == 0 { result.append(current); current = "" } else { current.append(c) }
                continue
            }
            if depth > 0 { current.append(c) }
        }
        return result
    }

    /// The lower-cased identifiers of an expression (not numbers, not exponents).
    static func identifiers(_ expression: String) -> Set<String> {
        var names: Set<String> = []
        var current = ""
        var previous: Character = " "
        var inNumber = false
        for c in expression.lowercased() + " " {
            if current.isEmpty, !inNumber {
                if c.isLetter || c == "_" { current.append(c) } else if c.isNumber || c == "." { inNumber = true }
            } else if inNumber {
                if !(c.isNumber || c == "." || c == "e" || ((c == "+" || c == "-") && previous == "e")) {
                    inNumber = false
                    if c.isLetter || c == "_" { current.append(c) }
                }
            } else if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                names.insert(current)
                current = ""
                if c.isNumber || c == "." { inNumber = true }
            }
            previous = c
        }
        return names
    }

    /// The plain number parameters `keys` of a card (`lmin = 2.0e-05`), each at its first assignment.
    static func numbers(_ keys: Set<String>, in text: String) -> [String: Double] {
        var found: [String: Double] = [:]
        for (key, value) in assignments(text.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " "))
        where keys.contains(key) && found[key] == nil {
            if let number = Double(value) { found[key] = number }
        }
        return found
    }
}

extension DeviceModel {
    /// One instance of `fingers` fingers: an `M` line naming its bin when `prebinned` lifts this device's cards,
    /// else the process's own line (`X1 d g s b model w=… l=…` and the fingers parameter).
    ///
    /// - Throws: ``ProcessError`` when `prebinned` has no bin for the geometry.
    public func instanceLine(name: String, drain: String, gate: String, source: String, bulk: String,
                             widthUm: Double, lengthUm: Double, fingers: Int, prebinned: PrebinnedModels?) throws(ProcessError) -> String {
        if let prebinned, prebinned.devices[id] != nil {
            return try prebinned.instanceLine(device: self, name: name, drain: drain, gate: gate, source: source, bulk: bulk,
                                              widthUm: widthUm, lengthUm: lengthUm, fingers: fingers)
        }
        var line = instanceLine(name: name, drain: drain, gate: gate, source: source, bulk: bulk, widthUm: widthUm, lengthUm: lengthUm)
        if let nf = self.fingers { line += " \(nf)=\(fingers)" }
        return line
    }
}
