early
start-dmd
end
