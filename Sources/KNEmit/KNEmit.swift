// KNEmit: see Package.swift.
