(require '[clojure.string :as str])
(println (str/join " " *command-line-args*))
