// KNProcess: see Package.swift.
