(let [in System/in
      buf (byte-array 4096)]
  (loop []
    (let [n (.read in buf)]
      (when (pos? n)
        (.write System/out buf 0 n)
        (recur))))
  (.flush System/out))
