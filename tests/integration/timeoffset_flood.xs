repeat 200
timeoffset 7
end
# the next window opens with a count of what was held back
sleep 5100
timeoffset 8
sleep 50
