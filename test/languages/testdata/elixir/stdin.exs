:ok = :io.setopts(:standard_io, encoding: :latin1)
Stream.repeatedly(fn -> IO.binread(:stdio, 4096) end)
|> Stream.take_while(&is_binary/1)
|> Enum.each(&IO.binwrite/1)
